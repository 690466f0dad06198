#!/bin/sh
# One command for a fresh Debian 12 machine: install what is missing, build
# emu86 and boot the demo guest on the serial console.
set -e
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -f build/config.mk ] || ./configure
make -j"$(nproc)" all guests
exec build/emu86 -accel "${ACCEL:-auto}" -m 64M -nographic -bios tests/guest/build/hello.bin
