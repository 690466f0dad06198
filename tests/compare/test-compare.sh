#!/bin/sh
# tests/compare/test-compare.sh - tests of scripts/emu86-compare's own logic
# (medians, mode detection, checksum mismatch = failure, n/a handling),
# with fake emulators; no emulator needed.  Prints "N passed, N failed".
cd "$(dirname "$0")/../.." || exit 1
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
exec "$PY" tests/compare/test_compare.py
