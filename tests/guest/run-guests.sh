#!/usr/bin/env bash
# run-guests.sh - run the bare-metal guest tests on emu86 (TCG, KVM) and
# compare with QEMU (the reference).
#
# Usage: tests/guest/run-guests.sh [--emu86 PATH] [--qemu PATH]
#                                  [--accels "qemu tcg kvm"] [--jobs N] [NAME...]
#
# For each guest: QEMU TCG is the reference (must exit 33 = PASS, or the
# status its source names with "; guest: exit=N", and print "PASS" last).
# Each emu86 accelerator run must exit the same way and produce serial
# output byte-identical to QEMU's.  "hello" (CPUID dump, differs between
# accelerators) is not run by default; when named explicitly it is only
# checked for its banner and exit status 1 (poweroff via isa-debug-exit 0).
# One line per (guest, accel): PASS/FAIL/SKIP; last line "N passed, N
# failed, N skipped".  Exit status 0 iff nothing failed.
# Outputs go to a per-run folder tests/guest/build/out.XXXXXX (NAME.ACCEL.
# {out,err}), kept only when something failed (or KEEP_OUT is set).

set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
EMU86="$ROOT/build/emu86"
QEMU=qemu-system-x86_64
ACCELS="qemu tcg kvm"
JOBS=2
TIMEOUT=${GUEST_TIMEOUT:-60}
NAMES=()

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --emu86) EMU86=$2; shift 2 ;;
        --emu86=*) EMU86=${1#*=}; shift ;;
        --qemu) QEMU=$2; shift 2 ;;
        --qemu=*) QEMU=${1#*=}; shift ;;
        --accels) ACCELS=$2; shift 2 ;;
        --accels=*) ACCELS=${1#*=}; shift ;;
        --jobs|-j) JOBS=$2; shift 2 ;;
        -h|--help) usage ;;
        -*) echo "unknown option: $1" >&2; usage ;;
        *) NAMES+=("${1%.asm}"); shift ;;
    esac
done

for a in $ACCELS; do
    case "$a" in qemu|tcg|kvm) ;; *) echo "unknown accel: $a" >&2; exit 2 ;; esac
done

if [ ${#NAMES[@]} -eq 0 ]; then
    for f in "$HERE"/*.asm; do
        n=$(basename "$f" .asm)
        [ "$n" = hello ] && continue
        NAMES+=("$n")
    done
fi

# One output folder per run, so two runs at once (a developer and CI,
# or the plain and the ASan suite) never write into each other's files.
mkdir -p "$HERE/build"
OUT=$(mktemp -d "$HERE/build/out.XXXXXX")
mkdir -p "$OUT"

# Build the guest images.
if ! make -s -C "$ROOT" -f tests/guest/guest.mk guests >"$OUT/build.log" 2>&1; then
    echo "guest build failed:" >&2
    cat "$OUT/build.log" >&2
fi

HAVE_QEMU=0
QEMU_PATH=$(command -v "$QEMU" 2>/dev/null) && HAVE_QEMU=1
HAVE_EMU86=0
[ -x "$EMU86" ] && HAVE_EMU86=1
KVM_OK=0
if [ -c /dev/kvm ] && { exec 3<>/dev/kvm; } 2>/dev/null; then KVM_OK=1; exec 3>&-; fi

COMMON_ARGS=(-m 64M -nographic -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04)

# Guests whose source says "; guest: reboot" test a reset, so they run
# without -no-reboot; "; guest: smp=N" runs them with -smp N;
# "; guest: args=..." adds options.
args_for() {
    local src="$HERE/$1.asm"
    if grep -q '^; guest: reboot' "$src" 2>/dev/null; then
        local a
        for a in "${COMMON_ARGS[@]}"; do [ "$a" = -no-reboot ] || printf '%s\n' "$a"; done
    else
        printf '%s\n' "${COMMON_ARGS[@]}"
    fi
    local n
    n=$(sed -n 's/^; guest: smp=\([0-9][0-9]*\).*/\1/p' "$src" 2>/dev/null | head -n 1)
    if [ -n "$n" ]; then
        printf '%s\n' -smp "$n"
    fi
    # "; guest: args=A B ..." adds options (e.g. -device pc-testdev)
    local extra
    extra=$(sed -n 's/^; guest: args=\(.*\)/\1/p' "$src" 2>/dev/null | head -n 1)
    if [ -n "$extra" ]; then
        printf '%s\n' $extra
    fi
}

# The exit status a guest's run must end with: 33 (PASS through
# isa-debug-exit), or what its source says with "; guest: exit=N" (a guest
# that powers off or resets under -no-reboot ends with 0, as on QEMU; it
# prints PASS before doing so).  "hello" powers off through isa-debug-exit
# (status 1).
want_status() {
    local n
    n=$(sed -n 's/^; guest: exit=\([0-9][0-9]*\).*/\1/p' "$HERE/$1.asm" 2>/dev/null | head -n 1)
    if [ "$1" = hello ]; then echo 1
    elif [ -n "$n" ]; then echo "$n"
    else echo 33
    fi
}

# run_one BIN ACCEL PREFIX [extra args] -> sets RC; output in PREFIX.out / PREFIX.err
run_one() {
    local bin=$1 accel=$2 prefix=$3
    shift 3
    local -a args
    mapfile -t args < <(args_for "$(basename "$bin" .bin)")
    if [ "$accel" = qemu ]; then
        timeout "$TIMEOUT" "$QEMU_PATH" -machine pc -accel tcg "${args[@]}" "$@" \
            -bios "$bin" </dev/null >"$prefix.out" 2>"$prefix.err"
    else
        timeout "$TIMEOUT" "$EMU86" -accel "$accel" "${args[@]}" "$@" \
            -bios "$bin" </dev/null >"$prefix.out" 2>"$prefix.err"
    fi
    RC=$?
}

last_line() { tail -n 1 "$1" 2>/dev/null | tr -d '\r'; }

# describe why a run failed (exit status / last line); empty if it passed
judge_exit() {
    local prefix=$1 want=$2
    if [ "$RC" -eq 124 ]; then echo "timeout (${TIMEOUT}s)"; return; fi
    if [ "$RC" -ne "$want" ]; then
        local ll; ll=$(last_line "$prefix.out")
        local el; el=$(head -n 1 "$prefix.err" 2>/dev/null)
        echo "exit status $RC, expected $want (last line: '${ll}'${el:+, stderr: '$el'})"
        return
    fi
    if [ "$(basename "$prefix" | cut -d. -f1)" != hello ] && [ "$(last_line "$prefix.out")" != PASS ]; then
        echo "last line is '$(last_line "$prefix.out")', not 'PASS'"
    fi
}

show_tail() { tail -n 5 "$1" 2>/dev/null | sed 's/^/    | /'; }

# test_guest NAME: prints result lines for NAME
test_guest() {
    local name=$1 bin="$HERE/build/$1.bin" acc reason ref_ok=0 ref_reason=""
    local want
    want=$(want_status "$name")
    if [ ! -f "$bin" ]; then
        for acc in $ACCELS; do echo "FAIL $name $acc: image $bin not built"; done
        return
    fi
    # reference run
    if [ "$HAVE_QEMU" = 1 ]; then
        run_one "$bin" qemu "$OUT/$name.qemu"
        reason=$(judge_exit "$OUT/$name.qemu" $want)
        if [ -z "$reason" ] && [ "$name" = hello ] && \
           [ "$(head -n 1 "$OUT/$name.qemu.out")" != "emu86 demo guest" ]; then
            reason="banner missing"
        fi
        if [ -z "$reason" ]; then ref_ok=1; else ref_reason=$reason; fi
    fi
    for acc in $ACCELS; do
        if [ "$acc" = qemu ]; then
            if [ "$HAVE_QEMU" = 0 ]; then
                echo "SKIP $name qemu: $QEMU not found"
            elif [ "$ref_ok" = 1 ]; then
                echo "PASS $name qemu"
            else
                echo "FAIL $name qemu: reference failed: $ref_reason"
                show_tail "$OUT/$name.qemu.out"
            fi
            continue
        fi
        if [ "$HAVE_QEMU" = 1 ] && [ "$ref_ok" = 0 ]; then
            echo "FAIL $name $acc: reference failed: $ref_reason"
            continue
        fi
        if [ "$HAVE_EMU86" = 0 ]; then
            echo "FAIL $name $acc: emu86 binary not found at $EMU86"
            continue
        fi
        if [ "$acc" = kvm ] && [ "$KVM_OK" = 0 ]; then
            echo "SKIP $name kvm: cannot open /dev/kvm"
            continue
        fi
        local p="$OUT/$name.$acc"
        run_one "$bin" "$acc" "$p"
        if [ "$acc" = kvm ]; then
            if grep -q -e KVM_EXIT_INTERNAL_ERROR -e "emulation failure" "$p.err" 2>/dev/null; then
                echo "SKIP $name kvm: host KVM emulation failure ($(grep -m1 -o -e KVM_EXIT_INTERNAL_ERROR -e 'emulation failure' "$p.err"))"
                continue
            fi
            if [ "$RC" -eq 1 ] && cat "$p.err" "$p.out" 2>/dev/null | grep -qi kvm; then
                echo "SKIP $name kvm: KVM unavailable: $(cat "$p.err" "$p.out" | grep -i -m1 kvm | cut -c1-120)"
                continue
            fi
        fi
        reason=$(judge_exit "$p" $want)
        if [ -n "$reason" ]; then
            echo "FAIL $name $acc: $reason"
            show_tail "$p.out"
            continue
        fi
        if [ "$name" = hello ]; then
            if [ "$(head -n 1 "$p.out")" != "emu86 demo guest" ]; then
                echo "FAIL $name $acc: banner missing"
            else
                echo "PASS $name $acc"
            fi
            continue
        fi
        if [ "$ref_ok" = 1 ] && ! cmp -s "$OUT/$name.qemu.out" "$p.out"; then
            echo "FAIL $name $acc: serial output differs from QEMU"
            diff -u "$OUT/$name.qemu.out" "$p.out" | sed -n '3,15p' | sed 's/^/    | /'
            continue
        fi
        echo "PASS $name $acc"
        if grep -q '^; guest: reboot' "$HERE/$name.asm" 2>/dev/null; then
            # The same reset under -no-reboot ends the run instead: exit
            # status 0 as QEMU, with one line on stderr saying why.
            run_one "$bin" "$acc" "$p.noreboot" -no-reboot
            if [ "$RC" -ne 0 ]; then
                echo "FAIL $name $acc -no-reboot: exit status $RC, expected 0"
            elif ! grep -qi 'reset\|triple' "$p.noreboot.err"; then
                echo "FAIL $name $acc -no-reboot: no message on stderr"
            elif grep -q 'boot 2' "$p.noreboot.out"; then
                echo "FAIL $name $acc -no-reboot: the guest was rebooted"
            else
                echo "PASS $name $acc -no-reboot"
            fi
        fi
    done
}

# Run guests JOBS at a time, printing results in order.
declare -a PIDS
print_result() {
    local i=$1
    wait "${PIDS[$i]}" 2>/dev/null
    cat "$OUT/${NAMES[$i]}.result"
}
n=${#NAMES[@]}
next_print=0
for ((i = 0; i < n; i++)); do
    test_guest "${NAMES[$i]}" >"$OUT/${NAMES[$i]}.result" 2>&1 &
    PIDS[$i]=$!
    while [ $((i + 1 - next_print)) -ge "$JOBS" ]; do
        print_result $next_print
        next_print=$((next_print + 1))
    done
done
while [ $next_print -lt $n ]; do
    print_result $next_print
    next_print=$((next_print + 1))
done

passed=0; failed=0; skipped=0
for name in "${NAMES[@]}"; do
    p=$(grep -c '^PASS ' "$OUT/$name.result"); f=$(grep -c '^FAIL ' "$OUT/$name.result"); s=$(grep -c '^SKIP ' "$OUT/$name.result")
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$failed" -eq 0 ] && [ -z "${KEEP_OUT:-}" ]; then
    rm -rf "$OUT"   # keep the outputs only when something failed
else
    echo "guest outputs kept in $OUT"
fi
[ "$failed" -eq 0 ]
