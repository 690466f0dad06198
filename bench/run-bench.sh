#!/bin/bash
# bench/run-bench.sh - guest instructions per second of emu86's
# interpreter on a simple loop guest, beside QEMU TCG and the host CPU,
# all measured in this run.  Not a test: it prints numbers.
#
# Method: each emulator runs the loop guest twice, with N1 and N2
# iterations; the difference cancels start-up cost:
#   rate = 5 * (N2 - N1) / (t2 - t1)   (5 instructions per iteration)
# Each time is the median of RUNS runs.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
EMU=${EMU:-$BUILD/emu86}
QEMU=${QEMU:-qemu-system-x86_64}
RUNS=${RUNS:-3}
N1=${N1:-1000000}
N2=${N2:-201000000}   # large enough that QEMU TCG runs well past its start-up noise
out=$BUILD/bench
mkdir -p "$out"
nasm -f bin -DITERS=$N1 -o "$out/loop1.bin" bench/loop.asm || exit 1
nasm -f bin -DITERS=$N2 -o "$out/loop2.bin" bench/loop.asm || exit 1
gcc -O2 -o "$out/native_loop" bench/native_loop.c || exit 1

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

time_run() { # emulator-command image -> prints seconds (median), checks exit 33
    local cmd=$1 img=$2 ts=() i
    for ((i = 0; i < RUNS; i++)); do
        local t0 t1 rc
        t0=$(date +%s.%N)
        $cmd -m 64M -nographic -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
            -bios "$img" </dev/null >"$out/last.out" 2>&1
        rc=$?
        t1=$(date +%s.%N)
        if [ $rc -ne 33 ]; then echo "bench: $cmd $img exited $rc" >&2; tail -3 "$out/last.out" >&2; echo nan; return; fi
        ts+=("$(echo "$t1 - $t0" | bc -l)")
    done
    printf '%s\n' "${ts[@]}" | median
}

rate() { # t1 t2 -> instructions per second
    echo "5 * ($N2 - $N1) / ($2 - $1)" | bc -l 2>/dev/null
}

printf '%-22s %12s %12s %14s\n' "engine" "t(N1) s" "t(N2) s" "guest insn/s"
declare -A R
for eng in emu86-tcg qemu-tcg; do
    case $eng in
    emu86-tcg) cmd="$EMU -accel tcg" ;;
    qemu-tcg) command -v "$QEMU" >/dev/null || continue; cmd="$QEMU -accel tcg" ;;
    esac
    t1=$(time_run "$cmd" "$out/loop1.bin")
    t2=$(time_run "$cmd" "$out/loop2.bin")
    sum=$(tr -d '\r' <"$out/last.out" | grep -oE '^[0-9a-f]{8}$' | head -n 1)
    native_check=$("$out/native_loop" $N2 | cut -d' ' -f1)
    [ "$sum" = "$native_check" ] || echo "bench: $eng checksum '$sum' differs from native '$native_check'" >&2
    r=$(rate "$t1" "$t2")
    R[$eng]=$r
    printf '%-22s %12.3f %12.3f %14.3e\n' "$eng" "$t1" "$t2" "${r:-0}"
done
read -r native_sum nat < <("$out/native_loop" $N2)
R[native]=$(echo "5 * $N2 / $nat" | bc -l)
printf '%-22s %12s %12.3f %14.3e\n' "native (host CPU)" "-" "$nat" "${R[native]}"
if [ -n "${R[emu86-tcg]:-}" ]; then
    [ -n "${R[qemu-tcg]:-}" ] && printf 'emu86-tcg / qemu-tcg speed: %.3f\n' "$(echo "${R[emu86-tcg]} / ${R[qemu-tcg]}" | bc -l)"
    printf 'emu86-tcg / native speed:   %.5f\n' "$(echo "${R[emu86-tcg]} / ${R[native]}" | bc -l)"
fi
