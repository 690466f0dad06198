#!/usr/bin/env python3
"""bench/boot-bench.py - Linux boot time, emu86 beside QEMU TCG, one run.

Boots Debian's kernel with the busybox initramfs of tests/linux/build-image.sh
(the /init prints a marker and powers off) under each emulator, RUNS times,
and reports the median wall time to /init's marker and to the emulator's
exit after the power-off, with the emu86/QEMU ratio.  Not a test: it prints
numbers (make bench).

Environment: BUILD (default build), RUNS (default 3), QEMU (default
qemu-system-x86_64), EMU86_IMAGE_CACHE (default build/linux-cache),
BOOT_ARGS (extra options for both, e.g. "-smp 2").
"""
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
spec = importlib.util.spec_from_file_location(
    "linux_tests", os.path.join(ROOT, "tests", "linux", "run-linux-tests.py"))
lt = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lt)


def boot_once(binary, cache, extra):
    log = os.path.join(cache, "logs", "bench-boot.log")
    con = lt.Console(lt.boot_argv(binary, cache, "emu86.action=poweroff", extra), log)
    try:
        con.expect(lt.MARKER, 900)
        t_init = time.monotonic() - con.start
        rc = con.wait_exit(300)
        t_off = time.monotonic() - con.start
        if rc != 0:
            raise RuntimeError(f"{binary} exited {rc}")
        return t_init, t_off
    finally:
        con.close()


def main():
    build = os.environ.get("BUILD", "build")
    emu86 = os.path.abspath(os.path.join(ROOT, build, "emu86"))
    runs = int(os.environ.get("RUNS", "3"))
    cache = os.environ.get("EMU86_IMAGE_CACHE", os.path.join(ROOT, "build", "linux-cache"))
    os.environ["EMU86_IMAGE_CACHE"] = cache
    extra = os.environ.get("BOOT_ARGS", "").split()
    subprocess.run([os.path.join(ROOT, "tests", "linux", "build-image.sh")], check=True,
                   stdout=subprocess.DEVNULL)
    os.makedirs(os.path.join(cache, "logs"), exist_ok=True)
    engines = [("emu86-tcg", emu86, ["-accel", "tcg"])]
    qemu = shutil.which(os.environ.get("QEMU", "qemu-system-x86_64"))
    if qemu:
        engines.append(("qemu-tcg", qemu, ["-accel", "tcg"]))
    res = {}
    print(f"Linux boot ({runs} runs each, median wall seconds; -m 512M {' '.join(extra)})")
    print(f"{'engine':<12} {'to /init':>10} {'to exit':>10}")
    for name, binary, accel in engines:
        times = [boot_once(binary, cache, accel + extra) for _ in range(runs)]
        t_init = statistics.median(t for t, _ in times)
        t_off = statistics.median(t for _, t in times)
        res[name] = (t_init, t_off)
        print(f"{name:<12} {t_init:>10.1f} {t_off:>10.1f}")
        sys.stdout.flush()
    if "qemu-tcg" in res:
        e, q = res["emu86-tcg"], res["qemu-tcg"]
        print(f"ratio emu86/QEMU: to /init {e[0] / q[0]:.2f}x, to exit {e[1] / q[1]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
