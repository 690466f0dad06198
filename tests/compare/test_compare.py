#!/usr/bin/python3
"""tests/compare/test_compare.py - tests of the comparison driver's own
logic (bench/compare/compare.py): medians, output parsing, run
classification, mode detection, checksum comparison, and whole driver runs
against fake emulators (shell scripts), so no real emulator is needed.

Prints one line per check and ends with "N passed, N failed"; exit 1 on
failures.  Run by tests/compare/test-compare.sh.
"""
import contextlib
import io
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench", "compare"))
import compare  # noqa: E402

passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + (": " + str(detail) if detail else ""))


# ---------------------------------------------------------------- medians
check("median of odd count", compare.median([5, 1, 3]) == 3)
check("median of even count is the mean of the middle two", compare.median([4, 1, 3, 2]) == 2.5)
check("median of one value", compare.median([0.25]) == 0.25)
check("median ignores an outlier", compare.median([1.0, 1.1, 50.0, 0.9, 1.05]) == 1.05)
try:
    compare.median([])
    check("median of nothing raises", False)
except ValueError:
    check("median of nothing raises", True)

# ---------------------------------------------------------------- parsing
OUT_OK = "compare wl_int size=0000000000000001\r\nchecksum 44B9DC46A18AAE7E\r\ntsc 00000000000003E8\r\n"
f = compare.parse_guest_output(OUT_OK)
check("parse: checksum lower-cased, CR stripped", f.get("checksum") == "44b9dc46a18aae7e", f)
check("parse: tsc is hex", f.get("tsc") == 1000, f)
r = compare.classify(33, OUT_OK, 0.1)
check("classify: exit 33 with checksum is ok", r.status == "ok" and r.tsc == 1000)
r = compare.classify(33, "compare wl_int\n", 0.1)
check("classify: exit 33 without checksum is a failure", r.status == "fail")
r = compare.classify(37, "unimplemented: exception vector 06 error 00000000 at 00000000000F0C3D\n", 0.1)
check("classify: exit 37 is unimplemented", r.status == "unimpl" and "vector 06" in r.detail)
r = compare.classify(35, "exception vector 0E error 00000002 at 1234\n", 0.1)
check("classify: exit 35 is a failure naming the exception", r.status == "fail" and "vector 0E" in r.detail)
r = compare.classify(None, "", 300)
check("classify: timeout", r.status == "timeout")
r = compare.classify(1, "emu86: kvm: /dev/kvm: Permission denied\n", 0.01)
check("classify: exit 1 keeps the reason", r.status == "fail" and "Permission denied" in r.detail)

# ---------------------------------------------------------------- modes


def fake_runner(rc, text, wall=0.05):
    calls = []

    def run(argv, timeout):
        calls.append(argv)
        return rc, text, wall
    run.calls = calls
    return run


m = compare.Mode("emu86-kvm", "emu86 KVM", ["/bin/sh", "-accel", "kvm"])
runner = fake_runner(1, "emu86: kvm: cannot use KVM: /proc/cpuinfo shows neither vmx nor svm\n")
compare.detect_mode(m, "probe.bin", 10, runs=3, runner=runner)
check("detect: exit 1 makes the mode unavailable", not m.available)
check("detect: the reason is the emulator's message", "neither vmx nor svm" in m.reason, m.reason)
check("detect: stops probing after the first failure", len(runner.calls) == 1)
check("detect: a clean exit 1 is an absence, not a bug", not m.broken)
m2 = compare.Mode("emu86-kvm", "emu86 KVM", ["/bin/sh", "-accel", "kvm"])
compare.detect_mode(m2, "probe.bin", 10, runner=fake_runner(-11, "compare wl_int size=1\n"))
check("detect: a crashing probe marks the mode broken", not m2.available and m2.broken, m2.reason)
check("detect: probe command carries the QEMU-style options",
      "-bios" in runner.calls[0] and "isa-debug-exit,iobase=0xf4,iosize=0x04" in runner.calls[0])

m = compare.Mode("emu86-tcg", "emu86 TCG", ["/bin/sh", "-accel", "tcg"])
walls = iter([0.3, 0.1, 0.2])


def runner_ok(argv, timeout):
    return 33, OUT_OK, next(walls)


compare.detect_mode(m, "probe.bin", 10, runs=3, runner=runner_ok)
check("detect: successful probe makes the mode available", m.available and m.reason == "")
check("detect: start-up is the median probe wall time", m.startup == 0.2, m.startup)

m = compare.Mode("qemu-kvm", "QEMU KVM", ["no-such-emulator-xyz", "-accel", "kvm"])
compare.detect_mode(m, "probe.bin", 10, runner=fake_runner(33, OUT_OK))
check("detect: missing QEMU is unavailable, not an error", not m.available and "not installed" in m.reason)
m = compare.Mode("emu86-tcg", "x", ["/nonexistent/build/emu86", "-accel", "tcg"])
compare.detect_mode(m, "probe.bin", 10, runner=fake_runner(33, OUT_OK))
check("detect: unbuilt emu86 is unavailable", not m.available and "not found" in m.reason)

# ---------------------------------------------------------------- checksums
R = compare.Run
same = {"emu86-tcg": [R("ok", "aa"), R("ok", "aa")], "qemu-tcg": [R("ok", "aa")], "native": [R("ok", "aa")]}
ref, probs = compare.check_checksums(same)
check("checksums: agreement gives no problem", ref == "aa" and probs == [])
diff = {"emu86-tcg": [R("ok", "aa"), R("ok", "bb")], "qemu-tcg": [R("ok", "aa")], "native": [R("ok", "aa")]}
ref, probs = compare.check_checksums(diff)
check("checksums: a run differing from the others is reported", len(probs) == 1 and "emu86-tcg" in probs[0]
      and "bb" in probs[0], probs)
minority_native = {"emu86-tcg": [R("ok", "bb")], "qemu-tcg": [R("ok", "bb")], "native": [R("ok", "aa")]}
ref, probs = compare.check_checksums(minority_native)
check("checksums: native is the reference even when outvoted", ref == "aa" and len(probs) == 1)
na = {"emu86-tcg": [R("unimpl")], "qemu-tcg": [R("ok", "cc")]}
ref, probs = compare.check_checksums(na)
check("checksums: n/a runs are not compared", ref == "cc" and probs == [])


class A:
    runs, min_time, max_runs = 3, 1.0, 15


okr, badr = compare.Run("ok", "aa"), compare.Run("fail")
check("repeat: a fast cell is repeated below min-time", not compare.enough_runs(okr, 3, 0.3, A))
check("repeat: stops at min-time once the minimum count is reached", compare.enough_runs(okr, 3, 1.2, A))
check("repeat: a slow cell still gets the minimum count", not compare.enough_runs(okr, 2, 9.0, A))
check("repeat: capped at max-runs", compare.enough_runs(okr, 15, 0.1, A))
check("repeat: stops after a failed run", compare.enough_runs(badr, 1, 0.0, A))

check("ratio formatting", compare.fmt_ratio(3.0, 2.0) == "1.50x" and compare.fmt_ratio(None, 1) == "-")
check("time formatting", compare.fmt_time(0.0123) == "12 ms" and compare.fmt_time(2.345) == "2.35 s")

# ---------------------------------------------------------------- whole runs
# Fake emulators: each answers like the real guest would, using the native
# harness (built by the driver into OUT) to compute the right checksum, or
# deliberately a wrong one, or #UD for x87/SSE, or "no KVM".
tmp = tempfile.mkdtemp(prefix="emu86-compare-test.")
out = os.path.join(tmp, "out")
FAKE = r"""#!/bin/bash
# fake emulator: MODE=%(mode)s
accel= img=
while [ $# -gt 0 ]; do
    case $1 in -accel) accel=$2; shift ;; -bios) img=$2; shift ;; esac
    shift
done
base=$(basename "$img" .bin)
name=${base%%-*}
case $base in probe) name=int size=1 log=12 ;;
    *-tiny) size=$(sed -n "s/^$name \([0-9]*\) \([0-9]*\)$/\1/p" %(sizes)s)
            log=$(sed -n "s/^$name \([0-9]*\) \([0-9]*\)$/\2/p" %(sizes)s) ;;
esac
case %(mode)s in
crashkvm) if [ "$accel" = kvm ]; then echo "emu86: assertion failed" >&2; kill -ABRT $$; fi ;;
nokvm) if [ "$accel" = kvm ]; then echo "emu86: kvm: /dev/kvm: No such file or directory" >&2; exit 1; fi ;;
noisa) case $name in x87|sse) echo "unimplemented: exception vector 06 error 00000000 at 0000000000000F00"; exit 37 ;; esac ;;
esac
sum=$(%(native)s $name $size $log | sed -n 's/^checksum //p')
[ %(mode)s = wrong ] && [ "$accel" = tcg ] && [ $name = mem ] && sum=0000000000000bad
printf 'compare wl_%%s size=1\r\nchecksum %%s\r\ntsc %%016x\r\n' $name $sum 12345
exit 33
"""
with open(os.path.join(tmp, "sizes"), "w") as f:
    for w in compare.WORKLOADS:
        f.write("%s %d %d\n" % ((w.name,) + w.sizes["tiny"]))


def fake(mode):
    path = os.path.join(tmp, "fake-" + mode)
    with open(path, "w") as f:
        f.write(FAKE % {"mode": mode, "native": os.path.join(out, "native"),
                        "sizes": os.path.join(tmp, "sizes")})
    os.chmod(path, 0o755)
    return path


def run_main(args):
    buf = io.StringIO()
    err = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
        rc = compare.main(args)
    return rc, buf.getvalue(), err.getvalue()


if shutil.which("nasm") and shutil.which("gcc"):
    base = ["--out", out, "--qemu", "no-such-qemu-xyz"]
    # build once so the fakes find the native harness
    compare.build(out, compare.WORKLOADS, "tiny")
    rc, so, se = run_main(base + ["--ci", "--emu86", fake("good")])
    n = len(compare.WORKLOADS)
    check("ci: fake emulator agreeing with native passes", rc == 0 and
          "compare-ci: %d passed, 0 failed, %d skipped" % (3 * n, 2 * n) in so, so + se)
    check("ci: missing QEMU counts as skipped with the reason", "no-such-qemu-xyz not installed" in so)
    rc, so, se = run_main(base + ["--ci", "--emu86", fake("wrong")])
    check("ci: a checksum mismatch fails the run", rc == 1 and " 1 failed" in so.splitlines()[-1], so)
    check("ci: the mismatch names workload and mode", "mem: checksum 0000000000000bad from emu86-tcg" in so, so)
    rc, so, se = run_main(base + ["--ci", "--emu86", fake("nokvm")])
    check("ci: emu86 -accel kvm failing cleanly is skipped, not failed", rc == 0 and
          "SKIP int      emu86-kvm" in so and "No such file" in so, so)
    rc, so, se = run_main(base + ["--ci", "--emu86", fake("crashkvm")])
    check("ci: emu86 -accel kvm crashing on the probe is a failure",
          rc == 1 and "FAIL int      emu86-kvm" in so and "exit -6" in so, so)
    rc, so, se = run_main(base + ["--ci", "--emu86", fake("noisa")])
    check("ci: #UD in x87/SSE under emu86 TCG is n/a (skipped)",
          "SKIP x87      emu86-tcg  n/a: instruction set not implemented yet" in so, so)
    check("ci: #UD for x87/SSE under emu86 KVM is a failure (full ISA expected there)",
          rc == 1 and "FAIL x87      emu86-kvm" in so and
          so.splitlines()[-1].startswith("compare-ci: ") and " 2 failed" in so.splitlines()[-1], so)
    rc, so, se = run_main(base + ["--tiny", "--runs", "3", "--emu86", fake("noisa"),
                                  "--modes", "emu86-tcg", "--markdown", os.path.join(tmp, "t.md")])
    lines = so.splitlines()
    hdr = [l for l in lines if l.startswith("workload")]
    x87 = [l for l in lines if l.startswith("x87 ")]
    check("report: table header lists every column", hdr and all(c in hdr[0] for c in compare.COLS), so)
    check("report: n/a shown for unimplemented", x87 and " n/a " in x87[0], x87)
    check("report: CSV written", os.path.exists(os.path.join(out, "compare.csv")))
    with open(os.path.join(tmp, "t.md")) as f:
        md = f.read()
    check("report: markdown table written", md.startswith("| workload | size |") and md.count("\n") == 2 + n)
else:
    print("(nasm or gcc missing: whole-run tests not run)")

shutil.rmtree(tmp, ignore_errors=True)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
