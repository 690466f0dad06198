#!/bin/bash
# tests/check.sh - run every test suite and print one summary line.
# Each suite prints its own result lines; this script adds them up and ends
# with "total: N passed, N failed, N skipped".  Exit status 1 on failures.
set -u
BUILD=${BUILD:-build}
passed=0 failed=0 skipped=0

add_counts() { # reads the "N passed, N failed[, N skipped]" line of a suite
    local line=$1
    local p f s
    p=$(sed -n 's/.*\b\([0-9][0-9]*\) passed.*/\1/p' <<<"$line")
    f=$(sed -n 's/.*\b\([0-9][0-9]*\) failed.*/\1/p' <<<"$line")
    s=$(sed -n 's/.*\b\([0-9][0-9]*\) skipped.*/\1/p' <<<"$line")
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
}

run_suite() { # name, command...: the suite's last matching line is its count
    local name=$1; shift
    echo "=== $name"
    local out rc
    out=$("$@" 2>&1); rc=$?
    printf '%s\n' "$out"
    local line
    line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -n 1)
    if [ -z "$line" ]; then
        echo "FAIL $name: suite printed no summary (exit $rc)"
        failed=$((failed + 1))
    else
        add_counts "$line"
        if [ $rc -ne 0 ] && ! grep -qE '[1-9][0-9]* failed' <<<"$line"; then
            echo "FAIL $name: exit status $rc"
            failed=$((failed + 1))
        fi
    fi
}

unit_tests() { # GTest binaries in TAP mode
    local p=0 f=0 s=0 bin out
    for bin in "$BUILD"/tests/test-*; do
        [ -x "$bin" ] || continue
        case "$bin" in *.d) continue ;; esac
        out=$(timeout 600 "$bin" --tap 2>&1); local rc=$?
        local np nf ns
        np=$(grep -cE '^ok [0-9]+' <<<"$out" | tr -d ' ')
        ns=$(grep -cE '^ok [0-9]+.*# SKIP' <<<"$out" | tr -d ' ')
        nf=$(grep -cE '^not ok' <<<"$out" | tr -d ' ')
        np=$((np - ns))
        if [ $rc -ne 0 ] && [ "$nf" -eq 0 ]; then nf=1; fi
        printf '%-40s %d passed, %d failed, %d skipped\n' "$(basename "$bin")" "$np" "$nf" "$ns" | sed 's/^/  /'
        [ "$nf" -ne 0 ] && grep -E '^not ok|^# .*(FAIL|ERROR)|runtime error|Sanitizer|SUMMARY|^Bail' <<<"$out" | head -n 40
        p=$((p + np)); f=$((f + nf)); s=$((s + ns))
    done
    echo "unit: $p passed, $f failed, $s skipped"
    [ $f -eq 0 ]
}

run_suite unit unit_tests
# Whole-program suites: memory still held when emu86 exits (option
# strings on an error path, device state at power-off) is released by the
# exit itself, so LeakSanitizer would only report noise there.  Unit tests
# above keep leak detection: they exercise library code that must not leak.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
for suite in tests/cli/run-cli-tests.sh tests/monitor/run-monitor-tests.sh tests/check-layering.sh; do
    [ -x "$suite" ] && run_suite "$(basename "$suite" .sh)" "$suite" "$BUILD/emu86"
done
[ -x "$BUILD/difftest" ] && run_suite difftest "$BUILD/difftest" \
    --seed "${DIFFTEST_SEED:-1}" --count "${DIFFTEST_COUNT:-100000}"
run_suite fuzz tests/fuzz/random-guests.sh "$BUILD/emu86" "${FUZZ_COUNT:-24}" "${FUZZ_SEED:-1}" 1
if [ -x tests/guest/run-guests.sh ]; then
    run_suite guests tests/guest/run-guests.sh --emu86 "$BUILD/emu86"
fi

run_suite multiboot tests/linux/multiboot-smoke.sh "$BUILD/emu86"
# Debian's kernel + busybox under emu86 (and QEMU as the control)
case "${LINUX_TESTS:-full}" in
full) run_suite linux tests/linux/run-linux-tests.py "$BUILD/emu86"
      run_suite linux-isa tests/linux/run-linux-tests.py "$BUILD/emu86" --isa ;;
quick) run_suite linux tests/linux/run-linux-tests.py "$BUILD/emu86" --quick --no-control ;;
esac
run_suite compare-logic tests/compare/test-compare.sh
run_suite compare-ci scripts/emu86-compare --ci --emu86 "$BUILD/emu86"
if [ -x "$BUILD/run286" ]; then
    run_suite realmode-286 "$BUILD/run286"
fi

echo "total: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
