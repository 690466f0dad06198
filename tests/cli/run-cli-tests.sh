#!/bin/bash
# tests/cli/run-cli-tests.sh BINARY - command line tests of emu86.
#
# Bad input must give exit status 1, exactly one line on stderr starting
# with "emu86:", and no crash (status < 128, no core dump).  Positive cases
# check --version/--help and the help lists, and run two tiny firmware
# images (isa-debug-exit status, SIGTERM handling).  One line per case:
# "PASS name" / "FAIL name: why" / "SKIP name: why"; the last line is
# "N passed, N failed, N skipped".  Exit status 0 iff nothing failed.
set -u
BIN=${1:-build/emu86}
TIMEOUT=${CLI_TIMEOUT:-20}
passed=0 failed=0 skipped=0

TMP=$(mktemp -d "${TMPDIR:-/tmp}/emu86-cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "SKIP $1: $2"; skipped=$((skipped + 1)); }

have_bin() { [ -x "$BIN" ]; }

# run ARGS...: runs the binary (no stdin), sets RC, OUT, ERR
# (RUN_WRAP: an optional command prefix, e.g. a namespace without KVM)
RUN_WRAP=()
run() {
    timeout "$TIMEOUT" "${RUN_WRAP[@]}" "$BIN" "$@" </dev/null >"$TMP/out" 2>"$TMP/err"
    RC=$?
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
}

# bad NAME ARGS...: expect status 1 and exactly one "emu86:" line on stderr
bad() {
    local name=$1; shift
    if ! have_bin; then fail "$name" "binary $BIN not found"; return; fi
    run "$@"
    local nlines
    nlines=$(wc -l <"$TMP/err")
    if [ "$RC" -eq 124 ]; then
        fail "$name" "timed out after ${TIMEOUT}s"
    elif [ "$RC" -ge 128 ]; then
        fail "$name" "killed by signal $((RC - 128))"
    elif [ "$RC" -ne 1 ]; then
        fail "$name" "exit status $RC, expected 1 (stderr: '$(head -n 1 "$TMP/err")')"
    elif [ "$nlines" -ne 1 ]; then
        fail "$name" "$nlines lines on stderr, expected 1: '$(tr '\n' '|' <"$TMP/err")'"
    elif [[ "$ERR" != emu86:* ]]; then
        fail "$name" "stderr does not start with 'emu86:': '$ERR'"
    else
        pass "$name"
    fi
}

# good NAME PATTERN ARGS...: expect status 0 and PATTERN (grep -E) on stdout
good() {
    local name=$1 pat=$2; shift 2
    if ! have_bin; then fail "$name" "binary $BIN not found"; return; fi
    run "$@"
    if [ "$RC" -ne 0 ]; then
        fail "$name" "exit status $RC, expected 0 (stderr: '$(head -n 1 "$TMP/err")')"
    elif ! grep -qE -- "$pat" "$TMP/out"; then
        fail "$name" "stdout does not match '$pat'"
    elif [ -s "$TMP/err" ]; then
        fail "$name" "unexpected stderr: '$(head -n 1 "$TMP/err")'"
    else
        pass "$name"
    fi
}

# Firmware images: 64 KiB of HLT with a real-mode program at the reset
# vector (0xffff0 = offset 0xfff0).
make_fw() { # FILE HEXBYTES
    head -c 65536 /dev/zero | tr '\0' '\364' >"$1"
    printf "$2" | dd of="$1" bs=1 seek=$((0xfff0)) conv=notrunc status=none
}
FW="$TMP/fw.bin"
# mov al,0x10; out 0xf4,al; hlt; jmp $-1  -> isa-debug-exit status 33
make_fw "$FW" '\xb0\x10\xe6\xf4\xf4\xeb\xfd'
FW_LOOP="$TMP/loop.bin"
# jmp $ (spin forever)
make_fw "$FW_LOOP" '\xeb\xfe'
head -c 1000 /dev/zero >"$TMP/small.bin"
: >"$TMP/empty.bin"
mkdir "$TMP/dir.bin"
DEBUG_EXIT="isa-debug-exit,iobase=0xf4,iosize=0x04"

# ---- bad input ----
bad "unknown option" -foo
bad "unknown long option" --no-such-option
bad "missing option argument" -bios "$FW" -m
bad "missing -bios file" -bios "$TMP/nonexistent.bin"
bad "unreadable -bios file (a directory)" -bios "$TMP/dir.bin"
bad "-bios of a wrong size" -bios "$TMP/small.bin"
bad "empty -bios" -bios "$TMP/empty.bin"
bad "-m 0" -bios "$FW" -m 0
bad "-m 99999999G" -bios "$FW" -m 99999999G
bad "-m garbage" -bios "$FW" -m garbage
bad "-smp 0" -bios "$FW" -smp 0
bad "-smp 65" -bios "$FW" -smp 65
bad "-accel bogus" -bios "$FW" -accel bogus
bad "-machine bogus" -bios "$FW" -machine bogus
bad "-cpu bogus" -bios "$FW" -cpu bogus
bad "-cpu qemu64,+nosuchfeature" -bios "$FW" -cpu qemu64,+nosuchfeature
bad "-cpu qemu64,sse3=maybe" -bios "$FW" -cpu qemu64,sse3=maybe
bad "-cpu qemu64,family=x" -bios "$FW" -cpu qemu64,family=x
bad "-cpu qemu64,nosuchprop=1" -bios "$FW" -cpu qemu64,nosuchprop=1
bad "-cpu qemu64,+avx512f,enforce (TCG lacks it)" -bios "$FW" -cpu qemu64,enforce,+avx512f
bad "-device nonexistent" -bios "$FW" -device nonexistent
bad "-device isa-debug-exit,bogus=1" -bios "$FW" -device isa-debug-exit,bogus=1
bad "-d bogus" -bios "$FW" -d bogus
bad "-D in a missing directory" -bios "$FW" -d int -D "$TMP/no/such/dir/log"
bad "-serial bogus:" -bios "$FW" -serial bogus:
bad "-serial tcp: (not supported)" -bios "$FW" -serial tcp::4444
bad "-serial file: in a missing directory" -bios "$FW" -serial "file:$TMP/no/such/dir/out"
bad "-rtc base=bogus" -bios "$FW" -rtc base=bogus
bad "no firmware" -m 64M
printf 'not a kernel' >"$TMP/notkernel"
head -c 100 /dev/zero >"$TMP/shortkernel"
bad "-kernel of a missing file" -kernel "$TMP/no-such-bzImage"
bad "-kernel of a file that is no kernel" -kernel "$TMP/notkernel"
bad "-kernel of a truncated image" -kernel "$TMP/shortkernel"
# a 64-bit bzImage header (protocol 2.12, XLF_KERNEL_64) on a model
# without long mode: named as such, not left to halt in the kernel
python3 -c '
import struct, sys
b = bytearray(4096)
b[0x202:0x206] = b"HdrS"
struct.pack_into("<H", b, 0x206, 0x20c)
b[0x236] = 1
sys.stdout.buffer.write(b)' >"$TMP/kernel64"
bad "-kernel of a 64-bit kernel with -cpu qemu32" -cpu qemu32 -kernel "$TMP/kernel64"
if [ "$RC" = 1 ] && ! grep -q "has no long mode" "$TMP/err"; then
    fail "64-bit kernel on qemu32: the error names long mode" "$(cat "$TMP/err")"
fi
run -cpu qemu64 -kernel "$TMP/kernel64"
if grep -q "has no long mode" "$TMP/err"; then
    fail "64-bit kernel on qemu64: no long-mode error" "$(cat "$TMP/err")"
else
    pass "64-bit kernel on qemu64: no long-mode error"
fi
bad "-initrd without -kernel" -bios "$FW" -initrd "$TMP/notkernel"
bad "-append without -kernel" -bios "$FW" -append "console=ttyS0"
bad "-device of a built-in device" -bios "$FW" -device i8259
bad "-device with a malformed property value" -bios "$FW" -device isa-debug-exit,iobase=zz
# more RAM than the host lets us map (sanitizer builds reserve huge shadow
# mappings, so an address space limit cannot be used there)
if have_bin && ! { ldd "$BIN" 2>/dev/null | grep -q 'libasan\|libubsan'; }; then
    ( ulimit -v 2000000; bad "-m more than the host can map" -bios "$FW" -m 8G ) |
        tee "$TMP/ulimit.res"
    grep -q '^PASS' "$TMP/ulimit.res" && passed=$((passed + 1)) || failed=$((failed + 1))
else
    skip "-m more than the host can map" "sanitizer build or no binary"
fi
HIDE_KVM=(unshare -m sh -c 'mount --bind /dev/null /dev/kvm && exec "$0" "$@"')
if [ -c /dev/kvm ] && { exec 3<>/dev/kvm; } 2>/dev/null; then
    exec 3>&-
    # hide KVM in a private mount namespace when we may (root)
    if "${HIDE_KVM[@]}" true 2>/dev/null; then
        RUN_WRAP=("${HIDE_KVM[@]}")
        bad "-accel kvm without KVM" -bios "$FW" -accel kvm
        name="-accel kvm -accel tcg falls back to TCG without KVM"
        if have_bin; then
            run -accel kvm -accel tcg -m 16M -display none -serial none \
                -device "$DEBUG_EXIT" -bios "$FW"
            if [ "$RC" -ne 33 ]; then
                fail "$name" "exit status $RC, expected 33"
            elif ! grep -q '^emu86: warning: .*trying tcg' "$TMP/err"; then
                fail "$name" "no fallback warning: '$(head -n 1 "$TMP/err")'"
            else
                pass "$name"
            fi
        else
            fail "$name" "binary $BIN not found"
        fi
        RUN_WRAP=()
    else
        skip "-accel kvm without KVM" "KVM is available here"
    fi
else
    bad "-accel kvm without KVM" -bios "$FW" -accel kvm
fi

# ---- positive ----
good "--version" '^emu86 version' --version
good "-version" '^emu86 version' -version
good "--help mentions -accel" '-accel' --help
good "-h mentions -device" '-device' -h
good "-device help lists isa-debug-exit" 'isa-debug-exit' -device help
good "-d help lists in_asm" 'in_asm' -d help
good "-M help lists pc" '^pc ' -M help
good "-cpu help lists qemu64" 'qemu64' -cpu help

# run_fw NAME ACCEL: the debug-exit firmware must exit with status 33
run_fw() {
    local name=$1 accel=$2
    if ! have_bin; then fail "$name" "binary $BIN not found"; return; fi
    run -accel "$accel" -m 16M -display none -serial none -no-reboot \
        -device "$DEBUG_EXIT" -bios "$FW"
    if [ "$RC" -ne 33 ]; then
        fail "$name" "exit status $RC, expected 33 (stderr: '$(head -n 1 "$TMP/err")')"
    else
        pass "$name"
    fi
}
run_fw "tcg: firmware exits through isa-debug-exit (33)" tcg

# kvm-unit-tests' x86 command line (its x86/run script) must be accepted
name="kvm-unit-tests command line (-nodefaults -vnc none pc-testdev ...)"
if have_bin; then
    run --no-reboot -nodefaults -device pc-testdev -device "$DEBUG_EXIT" -vnc none \
        -serial stdio -machine accel=tcg -no-user-config -m 16M -bios "$FW"
    if [ "$RC" -ne 33 ] || [ -s "$TMP/err" ]; then
        fail "$name" "exit status $RC, expected 33 (stderr: '$(head -n 1 "$TMP/err")')"
    else
        pass "$name"
    fi
else
    fail "$name" "binary $BIN not found"
fi
# a feature TCG lacks is a warning (QEMU's wording), and the guest runs
name="-cpu qemu64,+avx512f warns and runs"
if have_bin; then
    run -accel tcg -cpu qemu64,+avx512f -m 16M -display none -serial none \
        -device "$DEBUG_EXIT" -bios "$FW"
    if [ "$RC" -ne 33 ]; then
        fail "$name" "exit status $RC, expected 33"
    elif ! grep -q "TCG doesn't support requested feature: avx512f" "$TMP/err"; then
        fail "$name" "no warning on stderr: '$(head -n 1 "$TMP/err")'"
    else
        pass "$name"
    fi
else
    fail "$name" "binary $BIN not found"
fi
name="-bios NAME found in a -L directory"
if have_bin; then
    run -L /nonexistent -L "$TMP" -m 16M -display none -serial none \
        -device "$DEBUG_EXIT" -bios fw.bin
    if [ "$RC" -ne 33 ]; then
        fail "$name" "exit status $RC, expected 33 (stderr: '$(head -n 1 "$TMP/err")')"
    else
        pass "$name"
    fi
else
    fail "$name" "binary $BIN not found"
fi
if [ -c /dev/kvm ] && { exec 3<>/dev/kvm; } 2>/dev/null; then
    exec 3>&-
    run_fw "kvm: firmware exits through isa-debug-exit (33)" kvm
else
    skip "kvm: firmware exits through isa-debug-exit (33)" "no usable /dev/kvm"
fi

# Without -accel, KVM is chosen only when the host CPU has VT (vmx/svm in
# /proc/cpuinfo) and /dev/kvm opens; the -d log names the choice.
name="default accelerator: kvm only with vmx/svm and /dev/kvm"
if ! have_bin; then
    fail "$name" "binary $BIN not found"
else
    want=tcg
    if grep -qwE 'vmx|svm' /proc/cpuinfo && [ -c /dev/kvm ] && { exec 3<>/dev/kvm; } 2>/dev/null; then
        exec 3>&-
        want=kvm
    fi
    run -m 16M -display none -serial none -no-reboot -device "$DEBUG_EXIT" \
        -d int -D "$TMP/accel.log" -bios "$FW"
    if [ "$RC" -ne 33 ]; then
        fail "$name" "exit status $RC (stderr: '$(head -n 1 "$TMP/err")')"
    elif ! grep -q "^emu86: accel $want\$" "$TMP/accel.log"; then
        fail "$name" "log says '$(grep -m1 'accel' "$TMP/accel.log")', expected 'emu86: accel $want'"
    else
        pass "$name"
    fi
fi

# SIGTERM: orderly shutdown, status 0, one "terminating on signal" line
name="SIGTERM ends a spinning guest with status 0"
if ! have_bin; then
    fail "$name" "binary $BIN not found"
else
    "$BIN" -accel tcg -m 16M -display none -serial none -bios "$FW_LOOP" \
        </dev/null >"$TMP/out" 2>"$TMP/err" &
    pid=$!
    sleep 2
    kill -TERM "$pid" 2>/dev/null
    # bounded wait for the process
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
        fail "$name" "still running 5 s after SIGTERM"
    else
        wait "$pid"; RC=$?
        if [ "$RC" -ne 0 ]; then
            fail "$name" "exit status $RC (stderr: '$(head -n 1 "$TMP/err")')"
        elif ! grep -q '^emu86: terminating on signal 15' "$TMP/err"; then
            fail "$name" "no 'terminating on signal 15' line: '$(head -n 1 "$TMP/err")'"
        else
            pass "$name"
        fi
    fi
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
