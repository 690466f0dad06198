#!/bin/sh
# One command for a fresh Debian 12 machine: install what is missing, build
# emu86 and run the whole test suite, then the same suite under ASan+UBSan.
# Set SKIP_ASAN=1 to run the plain build only.
set -e
cd "$(dirname "$0")/.."
scripts/install-deps.sh
./configure
make -j"$(nproc)" all
make -j"$(nproc)" check
if [ "${SKIP_ASAN:-0}" != 1 ]; then
    make -j"$(nproc)" check-asan
fi
