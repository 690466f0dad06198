#!/bin/sh
# One command for a fresh Debian 12 machine: install what is missing, build
# emu86, fetch Debian's kernel and busybox (apt-get download + dpkg-deb -x,
# never installed on the host), build an initramfs and boot it to a root
# shell on the serial console.  'poweroff' in the guest ends emu86 (status
# 0), 'reboot' restarts the guest; Ctrl-A x quits at any time.
#   ACCEL=tcg|kvm|auto (default auto)   SMP=N (default 1)   MEM (default 512M)
#   DEMO=firmware: boot the small bare-metal demo guest instead
set -e
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -f build/config.mk ] || ./configure
make -j"$(nproc)" all guests
if [ "${DEMO:-linux}" = firmware ]; then
    exec build/emu86 -accel "${ACCEL:-auto}" -m 64M -nographic -bios tests/guest/build/hello.bin
fi
tests/linux/build-image.sh
exec build/emu86 -accel "${ACCEL:-auto}" -smp "${SMP:-1}" -m "${MEM:-512M}" -nographic \
    -kernel build/linux-cache/vmlinuz -initrd build/linux-cache/initrd.gz -append "console=ttyS0"
