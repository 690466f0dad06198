#!/bin/bash
# tests/fuzz/random-guests.sh - hostile guests: run firmware images made of
# random bytes (and random bytes after a valid entry into each CPU mode)
# and check emu86 survives them: it must exit by itself or be stopped by
# the time limit, never die of a signal, never print a sanitizer report.
#
#   tests/fuzz/random-guests.sh EMU86 [COUNT] [SEED] [SECONDS]
set -u
EMU=${1:-build/emu86}
COUNT=${2:-24}
SEED=${3:-1}
SECS=${4:-1}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
passed=0 failed=0
[ -x "$EMU" ] || { echo "FAIL fuzz: $EMU not found"; echo "0 passed, 1 failed"; exit 1; }

# A deterministic byte stream per (seed, index), without depending on $RANDOM.
gen() { # index -> 64 KiB file on stdout
    openssl enc -aes-128-ctr -nosalt -pass "pass:emu86-$SEED-$1" -pbkdf2 </dev/zero 2>/dev/null | head -c 65536
}

for ((i = 0; i < COUNT; i++)); do
    img=$dir/g$i.bin
    gen "$i" >"$img"
    # Every 3rd image keeps random code but a sane reset vector (a near
    # jump back into the image) so decoding starts in the random bytes
    # rather than wherever the random reset bytes lead.
    if [ $((i % 3)) -eq 1 ]; then
        printf '\xe9\x0d\x00' | dd of="$img" bs=1 seek=$((0xfff0)) conv=notrunc status=none
    fi
    timeout -s KILL $((SECS + 5)) timeout "$SECS" "$EMU" -accel tcg -m 16M -nographic -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -bios "$img" \
        </dev/null >"$dir/out" 2>"$dir/err"
    rc=$?
    if [ $rc -ge 128 ] && [ $rc -ne 124 ] || grep -q -e 'Sanitizer' -e 'runtime error' "$dir/err"; then
        echo "FAIL fuzz image $i (seed $SEED): exit $rc"
        grep -m5 -e ERROR -e 'runtime error' -e SUMMARY "$dir/err" | sed 's/^/    | /'
        cp "$img" "/tmp/emu86-fuzz-$SEED-$i.bin" && echo "    image kept in /tmp/emu86-fuzz-$SEED-$i.bin"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
