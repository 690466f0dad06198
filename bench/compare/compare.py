#!/usr/bin/python3
"""bench/compare/compare.py - run the same bare-metal workloads under emu86
TCG, emu86 KVM, QEMU TCG, QEMU KVM and natively, and compare the times.

Design:
  * Guests: bench/compare/kernel.asm + workloads.asm, one 64 KiB image per
    workload and size (nasm -D).  The workload runs in ring 3, reports its
    checksum and its own RDTSC delta on COM1, exits via isa-debug-exit.
  * Time: the guest's RDTSC delta around the workload, so start-up
    (process, machine, the emulated ring-0 set-up) is left out and the
    columns compare the workload alone.  The guest TSC ticks at the host
    TSC rate under KVM and QEMU TCG (QEMU reads the host TSC), and in
    nanoseconds under emu86 TCG (target/i386/msr.c: clock_ns()); the host
    rate is measured by the native harness.  Wall-clock time of the whole
    process is recorded too (CSV) and start-up is shown in the footer.
  * Repetition: every cell (workload x mode) runs at least --runs times
    (default 5) and fast cells are repeated until they have used --min-time
    seconds (at most --max-runs runs); modes take turns (round robin) so a
    shared host's changing load hits all columns alike.  Medians are shown.
  * Modes are detected by running a tiny probe guest: a mode is present
    when that run exits with the success status.  `emu86 -accel kvm` and
    QEMU's exit 1 with a reason where KVM cannot run (the mode is skipped);
    any other probe failure (crash, hang) is a failure of that mode.
  * A checksum differing between any two runs is a failure (exit 1).  A
    workload stopped by #UD/#NM under a mode whose instruction set is
    known to be incomplete (emu86 TCG: x87/SSE still being written) is "n/a", not a
    failure; anywhere else it is a failure.
  * Only the Python standard library; the chart is drawn by gnuplot when
    it is installed.
"""
import argparse
import csv
import math
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Exit statuses of the guest through isa-debug-exit: (value << 1) | 1.
EXIT_OK = 33        # 0x10
EXIT_EXC = 35       # 0x11: unexpected exception
EXIT_UNIMPL = 37    # 0x12: #UD/#NM inside the workload


class Workload:
    def __init__(self, name, full, tiny, buflog2_full, buflog2_tiny, isa, what):
        self.name, self.isa, self.what = name, isa, what
        self.sizes = {"full": (full, buflog2_full), "tiny": (tiny, buflog2_tiny)}


# Full sizes take ~2-3 s under emu86's interpreter and 20-100 ms natively:
# long enough for the fast columns to rise above a busy host's noise.
WORKLOADS = [
    Workload("int", 16000000, 1000, 12, 12, "base", "64-bit multiply/add/shift/rotate loop"),
    Workload("mem", 2000000, 1000, 25, 16, "base", "random read-modify-write over 32 MiB"),
    Workload("branchy", 100000, 100, 12, 12, "base", "Collatz chains: unpredictable branches"),
    Workload("string", 8000, 10, 16, 16, "base", "REP STOS/MOVS/CMPS/SCAS on 4 KiB blocks"),
    Workload("x87", 2000000, 100, 12, 12, "x87", "x87 FMUL/FADD/FSQRT/FDIV/FISTP recurrence"),
    Workload("sse", 2000000, 100, 12, 12, "sse", "SSE2 packed-double recurrence"),
]


class Mode:
    """One way of running a guest image.  tsc_hz None: the host rate."""

    def __init__(self, name, label, argv, tsc_hz=None, partial_isa=()):
        self.name, self.label, self.argv = name, label, argv
        self.tsc_hz, self.partial_isa = tsc_hz, set(partial_isa)
        self.available, self.reason, self.startup = False, "not probed", None
        self.broken = False     # probed and failed other than by a clean exit 1

    def command(self, image):
        return self.argv + ["-m", "128M", "-nographic", "-no-reboot",
                            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                            "-bios", image]


def make_modes(emu86, qemu):
    # emu86's interpreter has no x87/SSE yet: #UD there is "n/a".
    # A JIT column will be one more line here (e.g. emu86 -accel tcg,...).
    return [
        Mode("emu86-tcg", "emu86 TCG (interpreter)", [emu86, "-accel", "tcg"],
             tsc_hz=1e9, partial_isa=("x87", "sse")),
        Mode("emu86-kvm", "emu86 KVM", [emu86, "-accel", "kvm"]),
        Mode("qemu-tcg", "QEMU TCG", [qemu, "-accel", "tcg"]),
        Mode("qemu-kvm", "QEMU KVM", [qemu, "-accel", "kvm"]),
    ]


# ---------------------------------------------------------------- helpers

def median(values):
    """Median of a non-empty list (mean of the middle two for even counts)."""
    if not values:
        raise ValueError("median of nothing")
    return statistics.median(values)


def parse_guest_output(text):
    """Fields the guest prints: checksum (hex string), tsc (int), exception."""
    out = {}
    for line in text.replace("\r", "").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "checksum":
            out["checksum"] = parts[1].lower()
        elif len(parts) == 2 and parts[0] == "tsc":
            try:
                out["tsc"] = int(parts[1], 16)
            except ValueError:
                pass
        elif "exception vector" in line:
            out["exception"] = line.strip()
    return out


class Run:
    """One run of one workload under one mode."""

    def __init__(self, status, checksum=None, tsc=None, wall=None, detail=""):
        self.status, self.checksum, self.tsc = status, checksum, tsc
        self.wall, self.detail = wall, detail


def classify(rc, text, wall):
    """Turn an exit status and the serial output into a Run.
    status: ok | unimpl | fail | timeout."""
    fields = parse_guest_output(text)
    if rc == EXIT_OK and "checksum" in fields and "tsc" in fields:
        return Run("ok", fields["checksum"], fields["tsc"], wall)
    if rc == EXIT_UNIMPL:
        return Run("unimpl", wall=wall, detail=fields.get("exception", "#UD/#NM"))
    if rc is None:
        return Run("timeout", wall=wall, detail="timed out")
    lines = [l for l in text.replace("\r", "").splitlines() if l.strip()]
    detail = fields.get("exception") or (lines[-1] if lines else "")
    return Run("fail", wall=wall, detail="exit %s%s" % (rc, ": " + detail if detail else ""))


def run_image(argv, timeout):
    """Run an emulator command; returns (exit status or None on timeout,
    combined output, wall seconds)."""
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        rc, text = p.returncode, p.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        rc, text = None, (e.stdout or b"").decode("utf-8", "replace")
    except OSError as e:
        rc, text = 127, str(e)
    return rc, text, time.monotonic() - t0


def detect_mode(mode, probe_image, timeout, runs=1, runner=run_image):
    """Probe a mode with a tiny guest: available when it runs to success.
    Sets mode.available, mode.reason and mode.startup (median wall time of
    the probe: process start, machine set-up, ring-0 boot, exit)."""
    exe = mode.argv[0]
    if os.sep not in exe and shutil.which(exe) is None:
        mode.available, mode.reason = False, "%s not installed" % exe
        return mode
    if os.sep in exe and not os.access(exe, os.X_OK):
        mode.available, mode.reason = False, "%s not found (build it first)" % exe
        return mode
    walls = []
    for _ in range(max(1, runs)):
        rc, text, wall = runner(mode.command(probe_image), timeout)
        r = classify(rc, text, wall)
        if r.status != "ok":
            mode.available = False
            # Exit 1 is the clean "cannot run here" of emu86 and QEMU (no
            # KVM, ...); anything else (a crash, a wrong verdict, a hang)
            # on the tiny probe is a bug of that mode, not an absence.
            mode.broken = rc != 1
            lines = [l.strip() for l in text.replace("\r", "").splitlines() if l.strip()]
            why = lines[-1] if lines else ""
            mode.reason = "probe %s (exit %s)%s" % (r.status, rc, ": " + why if why else "")
            return mode
        walls.append(wall)
    mode.available, mode.reason, mode.startup = True, "", median(walls)
    return mode


def check_checksums(results):
    """results: {mode name: [Run, ...]} for one workload.  Returns
    (reference checksum or None, list of problem strings).  The reference
    is the native checksum when present, else the most common one."""
    seen = {}
    for mode, runs in results.items():
        for r in runs:
            if r.status == "ok":
                seen.setdefault(r.checksum, []).append(mode)
    if not seen:
        return None, []
    if "native" in results and any(r.status == "ok" for r in results["native"]):
        ref = next(r.checksum for r in results["native"] if r.status == "ok")
    else:
        ref = max(seen, key=lambda c: len(seen[c]))
    problems = []
    for c, modes in sorted(seen.items()):
        if c != ref:
            problems.append("checksum %s from %s differs from %s" %
                            (c, ",".join(sorted(set(modes))), ref))
    return ref, problems


def fmt_time(s):
    if s is None:
        return "-"
    if s >= 10:
        return "%.1f s" % s
    if s >= 1:
        return "%.2f s" % s
    if s >= 0.01:
        return "%.0f ms" % (s * 1e3)
    if s >= 0.001:
        return "%.1f ms" % (s * 1e3)
    return "%.0f us" % (s * 1e6)


def fmt_ratio(a, b):
    if a is None or b is None or b <= 0:
        return "-"
    r = a / b
    return "%.0fx" % r if r >= 100 else ("%.1fx" % r if r >= 10 else "%.2fx" % r)


# ---------------------------------------------------------------- building

def build(out, workloads, size_key, nasm="nasm", cc="gcc"):
    """Assemble the guest images and the native harness.  Returns
    ({workload: image}, probe image, native binary or None)."""
    os.makedirs(out, exist_ok=True)
    src = os.path.join(ROOT, "bench", "compare")
    inc = ["-I", os.path.join(ROOT, "tests", "guest", "lib") + "/", "-I", src + "/"]
    kernel = os.path.join(src, "kernel.asm")

    def image(name, size, buflog2, path):
        subprocess.run([nasm, "-f", "bin"] + inc + ["-DWORKLOAD=wl_" + name, "-DSIZE=%d" % size,
                        "-DBUFLOG2=%d" % buflog2, "-o", path, kernel], check=True)
        return path

    images = {}
    for w in workloads:
        size, buflog2 = w.sizes[size_key]
        images[w.name] = image(w.name, size, buflog2,
                               os.path.join(out, "%s-%s.bin" % (w.name, size_key)))
    probe = image("int", 1, 12, os.path.join(out, "probe.bin"))
    native = os.path.join(out, "native")
    try:
        obj = os.path.join(out, "workloads.o")
        subprocess.run([nasm, "-f", "elf64", "-DNATIVE", "-o", obj,
                        os.path.join(src, "workloads.asm")], check=True)
        subprocess.run([cc, "-O2", "-o", native, os.path.join(src, "native.c"), obj], check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("compare: no native column: %s" % e, file=sys.stderr)
        native = None
    return images, probe, native


def snapshot(exe, out):
    """Run a private copy of the emulator: in a shared tree `make` may
    relink build/emu86 while the comparison runs, and every run of one
    comparison must use the same binary."""
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        return exe
    os.makedirs(out, exist_ok=True)
    copy = os.path.join(out, "emu86-under-test")
    try:
        tmp = copy + ".tmp"
        shutil.copy2(exe, tmp)
        os.replace(tmp, copy)
        return copy
    except OSError:
        return exe


def enough_runs(run, n, spent, args):
    """Stop repeating a (workload, mode) cell after a failure, or once it
    has at least args.runs runs and either args.min_time seconds spent or
    args.max_runs runs: fast modes get more runs, so their medians stay
    stable on a busy host, slow ones are not repeated needlessly."""
    if run.status != "ok":
        return True
    return n >= args.runs and (spent >= args.min_time or n >= args.max_runs)


def run_native(native, w, size_key, args):
    size, buflog2 = w.sizes[size_key]
    out, spent = [], 0.0
    while not out or not enough_runs(out[-1], len(out), spent, args):
        rc, text, wall = run_image([native, w.name, str(size), str(buflog2)], 600)
        f = {}
        for line in text.splitlines():
            p = line.split()
            if len(p) == 2:
                f[p[0]] = p[1]
        if rc == 0 and "checksum" in f:
            r = Run("ok", f["checksum"].lower(), int(f["tsc"]), wall)
            r.seconds = float(f["seconds"])
            out.append(r)
        else:
            out.append(Run("fail", wall=wall, detail="native exit %s" % rc))
        spent += wall
    return out


def host_tsc_hz(native):
    if native:
        rc, text, _ = run_image([native, "--tsc-hz"], 30)
        if rc == 0:
            try:
                return float(text.split()[0])
            except (ValueError, IndexError):
                pass
    return None


def host_description():
    flags, model = set(), "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags") and not flags:
                    flags = set(line.split(":", 1)[1].split())
                elif line.startswith("model name") and model == "?":
                    model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    virt = "vmx" if "vmx" in flags else ("svm" if "svm" in flags else None)
    return model, virt, "hypervisor" in flags, os.path.exists("/dev/kvm")


# ---------------------------------------------------------------- output

COLS = ["emu86-tcg", "emu86-kvm", "qemu-tcg", "qemu-kvm", "native"]
RATIOS = [("emu86-kvm", "qemu-kvm"), ("emu86-tcg", "qemu-tcg"),
          ("emu86-tcg", "native"), ("emu86-kvm", "native")]


def cell(summary, wname, mode):
    s = summary.get((wname, mode))
    if s is None:
        return "-"
    if s["status"] == "ok":
        return fmt_time(s["seconds"])
    return {"unimpl": "n/a", "unavailable": "-"}.get(s["status"], s["status"].upper())


def table_rows(summary, workloads, size_key):
    head = ["workload", "size"] + COLS + ["%s/%s" % (a.replace("emu86-", "e-").replace("qemu-", "q-"),
                                                     b.replace("emu86-", "e-").replace("qemu-", "q-"))
                                          for a, b in RATIOS] + ["checksum"]
    rows = [head]
    for w in workloads:
        size, buflog2 = w.sizes[size_key]
        secs = {m: summary[(w.name, m)]["seconds"] for m in COLS
                if (w.name, m) in summary and summary[(w.name, m)]["status"] == "ok"}
        row = [w.name, "%d" % size] + [cell(summary, w.name, m) for m in COLS]
        row += [fmt_ratio(secs.get(a), secs.get(b)) for a, b in RATIOS]
        row.append(summary.get((w.name, "checksum"), "-") or "-")
        rows.append(row)
    return rows


def print_table(rows, stream=None):
    stream = stream or sys.stdout
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, r in enumerate(rows):
        print("  ".join(c.rjust(widths[i]) if i > 1 else c.ljust(widths[i])
                        for i, c in enumerate(r)).rstrip(), file=stream)
        if n == 0:
            print("  ".join("-" * w for w in widths), file=stream)


def markdown_table(rows):
    lines = ["| " + " | ".join(rows[0]) + " |",
             "|" + "|".join("---" if i < 2 else "---:" for i in range(len(rows[0]))) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def footer(modes, tsc_hz, host, args):
    model, virt, hyper, has_kvm = host
    lines = ["", "Times are the guest's own RDTSC delta around the workload, the median of at least",
             "%d runs (fast cells are repeated for >= %g s, up to %d runs; modes interleaved)." % (
                 args.runs, args.min_time, args.max_runs),
             "Start-up is not included.  Start-up (boot to exit of a tiny guest, wall clock):"]
    for m in modes:
        lines.append("  %-10s %s" % (m.name, fmt_time(m.startup) if m.available else "unavailable: " + m.reason))
    lines.append("n/a: the workload stopped with #UD/#NM because the instruction set is not implemented yet.")
    lines.append("Host: %s, TSC %.3f GHz, %s, %s." % (
        model, (tsc_hz or 0) / 1e9,
        ("running under a hypervisor" if hyper else "bare metal"),
        ("CPU flags show %s" % virt) if virt else "no vmx/svm in the CPU flags"))
    if has_kvm and not virt:
        lines.append("This host's KVM has no hardware virtualisation under it (nested, no vmx/svm): it runs")
        lines.append("64-bit ring-3 guest code directly on the CPU and emulates ring 0, real and 32-bit mode in")
        lines.append("the kernel (~2 M instructions/s).  The workloads run in ring 3, so under KVM they execute")
        lines.append("natively: KVM is near the native column, and both KVM columns should agree (the")
        lines.append("accelerator adds only the few exits of start-up and printing).")
    else:
        lines.append("Under KVM guest code runs directly on the CPU, so KVM is near the native column.")
    lines.append("mem also measures the first touch of 32 MiB of guest RAM (host page faults): one per")
    lines.append("4 KiB page, or one per 2 MiB where the VMM backs guest RAM with transparent huge pages")
    lines.append("(QEMU madvises MADV_HUGEPAGE; the native harness does not).")
    lines.append("TCG translates every guest instruction in software: emu86's interpreter decodes and")
    lines.append("executes each one (tens of host instructions, softmmu address translation per access),")
    lines.append("QEMU's TCG compiles blocks to host code once and reuses them, hence the gap between them;")
    lines.append("x87/SSE under QEMU TCG go through softfloat helpers, hence their larger ratios.")
    return "\n".join(lines)


def write_csv(path, records):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["workload", "mode", "size", "buflog2", "status", "runs", "median_seconds",
                    "median_wall_seconds", "checksum", "detail"])
        for r in records:
            w.writerow(r)


def write_chart(path, summary, workloads, modes_present):
    """Clustered bars, one cluster per workload, log-scale seconds."""
    if shutil.which("gnuplot") is None:
        print("compare: gnuplot not installed (Debian gnuplot-nox): no chart", file=sys.stderr)
        return False
    dat = path + ".dat"
    with open(dat, "w") as f:
        f.write("# workload " + " ".join(modes_present) + "\n")
        for w in workloads:
            vals = []
            for m in modes_present:
                s = summary.get((w.name, m))
                vals.append("%.9g" % s["seconds"] if s and s["status"] == "ok" and s["seconds"] > 0 else "NaN")
            f.write(w.name + " " + " ".join(vals) + "\n")
    secs = [s["seconds"] for (_, m), s in summary.items()
            if m in modes_present and isinstance(s, dict) and s.get("status") == "ok" and s["seconds"]]
    ymin = 10 ** math.floor(math.log10(min(secs))) if secs else 1e-3
    plots = ", ".join("'%s' using %d:xtic(1) title '%s'" % (dat, i + 2, m)
                      for i, m in enumerate(modes_present))
    # "n/a" written where a bar is missing because the mode lacks the
    # instruction set (bar j of cluster i is centred at i + (j-(N-1)/2)/(N+1)
    # in a clustered histogram with gap 1).
    labels, n = [], len(modes_present)
    for i, w in enumerate(workloads):
        for j, m in enumerate(modes_present):
            st = summary.get((w.name, m), {}).get("status")
            if st in ("unimpl", "fail", "timeout"):
                labels.append("set label '%s' at %g,%g center rotate by 90 font ',9'" % (
                    "n/a" if st == "unimpl" else st.upper(), i + (j - (n - 1) / 2) / (n + 1), ymin * 1.6))
    script = "\n".join(labels + [
        "set terminal pngcairo size 1000,560 font 'sans,10'" if _has_pngcairo() else
        "set terminal png size 1000,560",
        "set output '%s'" % path,
        "set title 'emu86 compare: workload time (lower is better; missing bar = n/a)'",
        "set style data histogram",
        "set style histogram clustered gap 1",
        "set style fill solid 0.85 border -1",
        "set boxwidth 0.9",
        "set logscale y",
        "set yrange [%g:*]" % ymin,
        "set ylabel 'seconds (guest RDTSC, log scale)'",
        "set grid ytics",
        "set key outside top center horizontal Left reverse samplen 2 width 2",
        "set datafile missing 'NaN'",
        "plot " + plots,
    ])
    p = subprocess.run(["gnuplot"], input=script.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        print("compare: gnuplot failed: %s" % p.stderr.decode(errors="replace").strip(), file=sys.stderr)
        return False
    os.unlink(dat)
    return True


def _has_pngcairo():
    p = subprocess.run(["gnuplot", "-e", "set terminal"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return b"pngcairo" in p.stdout


# ---------------------------------------------------------------- main

def run_all(args, modes, workloads, images, probe, native, tsc_hz, log=print):
    """Runs everything; returns (summary, csv records, list of failures,
    counts for --ci: passed/failed/skipped)."""
    summary, records, failures = {}, [], []
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for m in modes:
        if m.broken:
            failures.append("%s: %s" % (m.name, m.reason))
    for w in workloads:
        size, buflog2 = w.sizes[args.size_key]
        results = {m.name: [] for m in modes if m.available}
        for m in modes:
            if not m.available:
                summary[(w.name, m.name)] = {"status": "unavailable", "seconds": None}
        # Round robin over the modes, so a change in the host's load
        # (other jobs on a shared machine) hits every column alike.
        active = [m for m in modes if m.available]
        spent = {m.name: 0.0 for m in active}
        while active:
            for m in list(active):
                rc, text, wall = run_image(m.command(images[w.name]), args.timeout)
                r = classify(rc, text, wall)
                results[m.name].append(r)
                spent[m.name] += wall
                if not enough_runs(r, len(results[m.name]), spent[m.name], args):
                    continue
                active.remove(m)
        for m in modes:
            if not m.available:
                continue
            runs = results[m.name]
            ok = [r for r in runs if r.status == "ok"]
            bad = [r for r in runs if r.status != "ok"]
            hz = m.tsc_hz or tsc_hz
            if bad:
                r = bad[0]
                if r.status == "unimpl" and w.isa in m.partial_isa:
                    st = "unimpl"
                else:
                    # #UD where the instruction set is complete is a bug
                    st = "fail" if r.status == "unimpl" else r.status
                    failures.append("%s under %s: %s %s" % (w.name, m.name, r.status, r.detail))
                summary[(w.name, m.name)] = {"status": st, "seconds": None}
                records.append([w.name, m.name, size, buflog2, st, len(runs), "", "", "", r.detail])
            else:
                secs = median([r.tsc / hz for r in ok]) if hz else median([r.wall for r in ok])
                summary[(w.name, m.name)] = {"status": "ok", "seconds": secs}
                records.append([w.name, m.name, size, buflog2, "ok", len(ok), "%.6f" % secs,
                                "%.6f" % median([r.wall for r in ok]), ok[0].checksum, ""])
        if native and not args.no_native:
            nr = run_native(native, w, args.size_key, args)
            results["native"] = nr
            ok = [r for r in nr if r.status == "ok"]
            if ok and len(ok) == len(nr):
                secs = median([r.seconds for r in ok])
                summary[(w.name, "native")] = {"status": "ok", "seconds": secs}
                records.append([w.name, "native", size, buflog2, "ok", len(ok), "%.6f" % secs,
                                "%.6f" % median([r.wall for r in ok]), ok[0].checksum, ""])
            else:
                summary[(w.name, "native")] = {"status": "fail", "seconds": None}
                failures.append("%s natively: %s" % (w.name, nr[-1].detail))
        ref, problems = check_checksums(results)
        summary[(w.name, "checksum")] = ref
        for p in problems:
            failures.append("%s: %s" % (w.name, p))
        # --ci accounting: one check per (workload, mode)
        for m in modes + ([Mode("native", "native", [])] if "native" in results else []):
            s = summary.get((w.name, m.name))
            if m.name != "native" and not m.available and not m.broken or (s and s["status"] == "unimpl"):
                counts["skipped"] += 1
                verdict = "SKIP"
            elif s and s["status"] == "ok" and all(r.checksum == ref for r in results[m.name]):
                counts["passed"] += 1
                verdict = "ok  "
            else:
                counts["failed"] += 1
                verdict = "FAIL"
            if args.ci:
                why = m.reason if (m.name != "native" and not m.available) else (
                    "n/a: instruction set not implemented yet" if s and s["status"] == "unimpl" else "")
                log("%s %-8s %-10s %s" % (verdict, w.name, m.name, why))
    return summary, records, failures, counts


def main(argv=None):
    ap = argparse.ArgumentParser(description="Run the comparison workloads under emu86 TCG/KVM, "
                                 "QEMU TCG/KVM and natively; print a table, write CSV and PNG.")
    ap.add_argument("--ci", action="store_true",
                    help="tiny sizes, one run each, check checksums; prints N passed, N failed, N skipped")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", "5")))
    ap.add_argument("--min-time", type=float, default=1.0,
                    help="repeat a fast cell until it has used this many seconds (default 1)")
    ap.add_argument("--max-runs", type=int, default=15, help="cap on the runs of one cell (default 15)")
    ap.add_argument("--tiny", action="store_true", help="tiny sizes (as --ci) but the full report")
    ap.add_argument("--workloads", default="", help="comma-separated subset (default: all)")
    ap.add_argument("--modes", default="", help="comma-separated subset of " + ",".join(COLS[:-1]))
    ap.add_argument("--no-native", action="store_true")
    ap.add_argument("--emu86", default=os.environ.get("EMU86", os.path.join(
        ROOT, os.environ.get("BUILD", "build"), "emu86")))
    ap.add_argument("--qemu", default=os.environ.get("QEMU", "qemu-system-x86_64"))
    ap.add_argument("--out", default=os.path.join(ROOT, os.environ.get("BUILD", "build"), "compare"))
    ap.add_argument("--csv", default=None, help="CSV path (default OUT/compare.csv)")
    ap.add_argument("--chart", default=None, help="PNG path (default OUT/compare.png)")
    ap.add_argument("--markdown", default=None, help="also write the table as Markdown here")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    args = ap.parse_args(argv)
    if args.ci:
        args.runs, args.min_time = 1, 0.0
    args.size_key = "tiny" if (args.ci or args.tiny) else "full"
    args.runs = max(1, args.runs)

    workloads = WORKLOADS
    if args.workloads:
        want = args.workloads.split(",")
        workloads = [w for w in WORKLOADS if w.name in want]
    emu86 = snapshot(args.emu86, args.out)
    modes = make_modes(emu86, args.qemu)
    if args.modes:
        want = args.modes.split(",")
        modes = [m for m in modes if m.name in want]

    try:
        images, probe, native = build(args.out, workloads, args.size_key)
    except (OSError, subprocess.CalledProcessError) as e:
        print("compare: cannot build the guests: %s" % e, file=sys.stderr)
        print("0 passed, 1 failed" if args.ci else "", end="\n" if args.ci else "")
        return 1
    tsc_hz = host_tsc_hz(native)
    for m in modes:
        detect_mode(m, probe, min(args.timeout, 60), runs=args.runs)
        print("mode %-10s %s" % (m.name, "available" if m.available else "unavailable: " + m.reason),
              file=sys.stderr)
    summary, records, failures, counts = run_all(args, modes, workloads, images, probe, native, tsc_hz)

    if args.ci:
        for f in failures:
            print("FAIL " + f)
        print("compare-ci: %d passed, %d failed, %d skipped" %
              (counts["passed"], counts["failed"], counts["skipped"]))
        return 1 if counts["failed"] or failures else 0

    rows = table_rows(summary, workloads, args.size_key)
    print_table(rows)
    host = host_description()
    print(footer(modes, tsc_hz, host, args))
    csv_path = args.csv or os.path.join(args.out, "compare.csv")
    write_csv(csv_path, records)
    chart = args.chart or os.path.join(args.out, "compare.png")
    present = [c for c in COLS if any(summary.get((w.name, c), {}).get("status") == "ok" for w in workloads)]
    drew = write_chart(chart, summary, workloads, present)
    print("\nCSV: %s%s" % (csv_path, ("   chart: %s" % chart) if drew else ""))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown_table(rows) + "\n")
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
