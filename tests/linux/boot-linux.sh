#!/bin/bash
# tests/linux/boot-linux.sh - boot the Debian kernel + busybox initramfs of
# build-image.sh under emu86 (and, with --qemu, under QEMU as the control)
# and check for the marker line and the ACPI power-off.  Not part of
# `make check` until emu86 runs a 64-bit kernel to the end.
#   BUILD               build dir holding emu86 (default build)
#   EMU86_IMAGE_CACHE   image cache (default build/linux-cache)
#   EMU86_BOOT_TIMEOUT  seconds (default 600)
#   EMU86_BOOT_ARGS     extra emu86 options (e.g. "-accel kvm -smp 2")
# Exit 0 when emu86 printed the marker and powered off.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) BIN="$BUILD/emu86" ;; *) BIN="$root/$BUILD/emu86" ;; esac
CACHE=${EMU86_IMAGE_CACHE:-$root/build/linux-cache}
TIMEOUT=${EMU86_BOOT_TIMEOUT:-600}
MARKER="EMU86-LINUX-BOOT-OK"
APPEND="console=ttyS0 earlyprintk=serial,ttyS0 panic=-1 emu86.action=poweroff"

"$here/build-image.sh" >/dev/null || { echo "boot-linux: build-image.sh failed"; exit 1; }
[ -x "$BIN" ] || { echo "boot-linux: no $BIN (make first)"; exit 1; }

boot() { # name, log, command...
    local name=$1 log=$2; shift 2
    local t0 t1 rc
    t0=$(date +%s.%N)
    timeout "$TIMEOUT" "$@" </dev/null >"$log" 2>&1
    rc=$?
    t1=$(date +%s.%N)
    local secs
    secs=$(echo "$t1 - $t0" | bc)
    if grep -aq "^$MARKER" "$log" && grep -aq "reboot: Power down" "$log"; then
        printf '%s: marker and power-off in %.1f s\n' "$name" "$secs"
        return 0
    fi
    printf '%s: FAILED after %.1f s (exit %d); last lines of %s:\n' "$name" "$secs" "$rc" "$log"
    tail -n 15 "$log" | sed 's/^/    /'
    return 1
}

status=0
if [ "${1:-}" = "--qemu" ]; then
    boot qemu "$CACHE/qemu-boot.log" qemu-system-x86_64 -m 512M -nographic -no-reboot \
        -kernel "$CACHE/vmlinuz" -initrd "$CACHE/initrd.gz" -append "$APPEND" || status=1
fi
# shellcheck disable=SC2086
boot emu86 "$CACHE/emu86-boot.log" "$BIN" -m 512M -nographic -no-reboot ${EMU86_BOOT_ARGS:-} \
    -kernel "$CACHE/vmlinuz" -initrd "$CACHE/initrd.gz" -append "$APPEND" || status=1
exit $status
