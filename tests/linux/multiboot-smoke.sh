#!/bin/bash
# tests/linux/multiboot-smoke.sh - boot tests/linux/multiboot-smoke.S with
# emu86 -kernel/-initrd/-append and check what it reports: the multiboot
# entry state, the command line, a module and the ACPI RSDP in the BIOS
# area.  Needs binutils (as --32, ld -m elf_i386).
#   BUILD   build dir holding emu86 (default build)
# Prints "multiboot-smoke: N passed, N failed, N skipped".
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
BIN="$root/$BUILD/emu86"
[ -x "$BIN" ] || BIN="$BUILD/emu86"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/emu86-mb.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

summary() { echo "multiboot-smoke: $1 passed, $2 failed, $3 skipped"; exit $(( $2 > 0 )); }
if ! command -v as >/dev/null || ! command -v ld >/dev/null; then
    echo "SKIP: no binutils"; summary 0 0 1
fi
as --32 -o "$TMP/mb.o" "$here/multiboot-smoke.S" &&
    ld -m elf_i386 -N -Ttext=0x100000 --no-warn-rwx-segments -o "$TMP/mb.elf" "$TMP/mb.o" 2>/dev/null ||
    ld -m elf_i386 -N -Ttext=0x100000 -o "$TMP/mb.elf" "$TMP/mb.o" || { echo "FAIL: cannot build"; summary 0 1 0; }
printf 'HELLO-MODULE' > "$TMP/mod.txt"

timeout 20 "$BIN" -nographic -m 64M -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel "$TMP/mb.elf" -initrd "$TMP/mod.txt arg" -append "hello world" \
    </dev/null >"$TMP/out" 2>"$TMP/err"
rc=$?
if grep -q "not implemented" "$TMP/err"; then
    echo "SKIP: -kernel not wired in yet ($(head -n 1 "$TMP/err"))"; summary 0 0 1
fi
pass=0 fail=0
check() { # name, condition result
    if [ "$2" = 0 ]; then echo "PASS $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi
}
[ $rc -eq 33 ]; check "exit code 0x10 (status 33, got $rc)" $?
grep -q "^MB OK cmdline=$TMP/mb.elf hello world" "$TMP/out"; check "entry state and command line" $?
grep -q "^mods=1 HELLO-MODULE" "$TMP/out"; check "module" $?
grep -q "^rsdp=RSD PTR " "$TMP/out"; check "ACPI RSDP at 0xE0000" $?
[ $fail -eq 0 ] || { echo "--- stdout"; cat "$TMP/out"; echo "--- stderr"; cat "$TMP/err"; }
summary $pass $fail 0
