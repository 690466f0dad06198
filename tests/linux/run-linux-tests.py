#!/usr/bin/env python3
"""tests/linux/run-linux-tests.py - boot Debian's kernel and drive its shell.

Boots the kernel + busybox initramfs of build-image.sh with QEMU's command
line, on a pseudo-terminal as a user would (-nographic, raw terminal), and
checks what a user sees: the kernel banner, /init running, the CPU count
and model in /proc/cpuinfo, the date against the host's, that `sleep 2`
takes two seconds of wall time, that typed commands run (line editing,
Ctrl-C to the foreground job, full-screen vi), that dmesg has no call
traces, that `reboot` restarts the machine and `poweroff` ends the
emulator with status 0, and that -no-reboot turns a reboot into an exit.

Every boot runs first under qemu-system-x86_64 (the control: a check that
fails there is a broken test, not an emulator bug) and then under emu86.

Usage: run-linux-tests.py EMU86 [--no-control] [--only emu86|qemu] [--quick] [--isa]
  --quick   only the first boot's basic checks and poweroff (for ASan runs)
  --isa     instead: boot with -cpu max and run tests/linux/isa-program.c
            (built here with gcc -static), whose output must equal the host's
            (make check runs it after the other boots)
Prints PASS/FAIL/SKIP lines and "linux: N passed, N failed, N skipped".
"""
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MARKER = "EMU86-LINUX-BOOT-OK"
BOOT_TIMEOUT = float(os.environ.get("EMU86_BOOT_TIMEOUT", "600"))

results = {"passed": 0, "failed": 0, "skipped": 0}


def report(ok, name, why=""):
    if ok is None:
        results["skipped"] += 1
        print(f"SKIP {name}: {why}")
    elif ok:
        results["passed"] += 1
        print(f"PASS {name}")
    else:
        results["failed"] += 1
        print(f"FAIL {name}: {why}")
    sys.stdout.flush()


class Timeout(Exception):
    pass


class Console:
    """The emulator on a pty: what it prints accumulates in self.out."""

    def __init__(self, argv, log_path):
        self.master, slave = pty.openpty()
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=self.stderr,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.out = ""
        self.pos = 0            # output before pos has been matched already
        self.log = open(log_path, "w", errors="replace")
        self.start = time.monotonic()

    def _read(self, timeout):
        r, _, _ = select.select([self.master], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:         # EIO: the emulator closed the terminal
            data = b""
        if not data:
            if self.proc.poll() is None:
                time.sleep(0.05)
                return False
            raise EOFError
        text = data.decode("utf-8", "replace")
        self.out += text
        self.log.write(text)
        self.log.flush()
        return True

    def expect(self, pattern, timeout):
        """Wait for a regex after self.pos; returns the match, moves pos past it."""
        rx = re.compile(pattern, re.S)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.out, self.pos)
            if m:
                self.pos = m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout(f"no {pattern!r} within {timeout:.0f} s")
            try:
                self._read(min(left, 0.5))
            except EOFError:
                m = rx.search(self.out, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                raise Timeout(f"emulator exited (status {self.proc.poll()}) "
                              f"before {pattern!r}")

    def send(self, text):
        os.write(self.master, text.encode())

    def run(self, cmd, timeout=60):
        """Run a shell command; returns (its output, host seconds it took).
        The markers are printed by echo from quoted words, so the terminal's
        echo of the typed line never matches them."""
        self.n = getattr(self, "n", 0) + 1
        n = self.n
        self.send(f'echo @@"B{n}"; {cmd}; echo @@"E{n}"\r')
        self.expect(rf"@@B{n}\r*\n", timeout)
        t0 = time.monotonic()
        m = self.expect(rf"(.*?)@@E{n}\r*\n", timeout)
        return m.group(1).replace("\r", ""), time.monotonic() - t0

    def wait_exit(self, timeout):
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            try:
                self._read(0.2)
            except EOFError:
                pass
        if self.proc.poll() is None:
            raise Timeout(f"still running after {timeout:.0f} s")
        return self.proc.returncode

    def stderr_text(self):
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        self.log.close()


def boot_argv(binary, cache, append, extra):
    return [binary, "-m", "512M", "-nographic", *extra,
            "-kernel", os.path.join(cache, "vmlinuz"),
            "-initrd", os.path.join(cache, "initrd.gz"),
            "-append", "console=ttyS0 panic=-1 " + append]


def wait_boot(con, label, what):
    """Banner, marker and (for shells) the prompt; returns the marker line."""
    con.expect(r"Linux version \d", BOOT_TIMEOUT)
    m = con.expect(MARKER + r" \(([^)]*)\)", BOOT_TIMEOUT)
    took = time.monotonic() - con.start
    print(f"  {label}: {what} reached /init in {took:.1f} s")
    return m.group(1)


def check(name, fn):
    try:
        ok, why = fn()
    except Timeout as e:
        ok, why = False, str(e)
    report(ok, name, why)
    return ok


def shell_boot(label, binary, cache, logdir, quick, model):
    """-smp 2, default CPU model, a shell, the interactive checks, reboot,
    poweroff."""
    con = Console(boot_argv(binary, cache, "emu86.action=shell", ["-smp", "2"]),
                  os.path.join(logdir, f"{label}-shell.log"))
    info = {}
    try:
        def booted():
            info["marker"] = wait_boot(con, label, "kernel")
            con.expect(r"shell on the console", 60)
            return True, ""
        if not check(f"{label}: kernel banner and /init", booted):
            return
        # busybox init starts the shell a moment later: wait until it answers
        def answers():
            out, _ = con.run("echo $((6*7))", 60)
            return out.strip() == "42", f"got {out!r}"
        check(f"{label}: shell answers a typed command", answers)

        def cpus():
            out, _ = con.run("grep -c ^processor /proc/cpuinfo; cat /sys/devices/system/cpu/online")
            return out.split() == ["2", "0-1"], f"got {out!r} (marker: {info['marker']})"
        check(f"{label}: -smp 2 gives two online CPUs", cpus)

        default_model = model

        def model():
            out, _ = con.run("sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sort -u")
            return out.strip() == default_model, f"got {out!r}"
        check(f"{label}: /proc/cpuinfo shows the default model ({default_model})", model)

        def date():
            out, _ = con.run("date +%s")
            host = time.time()
            # the guest set its clock from the RTC (whole seconds) and date
            # prints whole seconds: up to 2 s apart with both clocks right;
            # the rest is the command's round trip on a loaded host
            d = abs(int(out.strip()) - host)
            return d <= 2.5, f"guest {out.strip()} host {host:.0f} ({d:.1f} s apart)"
        check(f"{label}: guest date matches the host's", date)

        def sleep2():
            _, took = con.run("sleep 2", 30)
            return 1.5 <= took <= 2.5, f"sleep 2 took {took:.2f} s of wall time"
        check(f"{label}: sleep 2 lasts 2 s", sleep2)

        if quick:
            con.send("poweroff\r")
            check(f"{label}: poweroff exits 0", lambda: (con.wait_exit(120) == 0,
                                                          f"exit status {con.proc.returncode}"))
            return

        def editing():
            con.n += 1
            n = con.n
            con.send(f'echo @@"B{n}"; echo hellx\x7fo world; echo @@"E{n}"\r')
            con.expect(rf"@@B{n}\r*\n", 30)
            m = con.expect(rf"(.*?)@@E{n}\r*\n", 30)
            out = m.group(1).replace("\r", "").strip()
            return out == "hello world", f"got {out!r}"
        check(f"{label}: line editing (backspace)", editing)

        def ctrl_c():
            # Without a controlling terminal (or with Ctrl-C lost on the
            # way) the sleep would hold the shell for 60 s: the shell must
            # answer within seconds, and the rest of the line must not run.
            time.sleep(1)            # as a user would, after the prompt
            con.send('sleep 60; echo @@"NOT""REACHED"\r')
            time.sleep(3)
            con.send("\x03")
            # the tty flushes typed-ahead input on an interrupt: let the
            # shell take the terminal back before typing on
            time.sleep(1.5)
            out, _ = con.run("echo alive", 10)
            if "@@NOTREACHED" in con.out:
                return False, "the interrupted line went on"
            return out.strip() == "alive", f"got {out!r}"
        check(f"{label}: Ctrl-C interrupts the foreground job", ctrl_c)

        def vi():
            con.send("vi /tmp/note\r")
            con.expect(r"/tmp/note", 30)
            time.sleep(0.5)
            con.send("ihello from vi\x1b")
            time.sleep(0.5)
            con.send(":wq\r")
            out, _ = con.run("cat /tmp/note", 30)
            return out.strip() == "hello from vi", f"got {out!r}"
        check(f"{label}: full-screen vi edits a file", vi)

        def dmesg():
            out, _ = con.run("dmesg | grep -c -e 'Call Trace' -e 'unchecked MSR' -e 'BUG' "
                             "-e 'WARNING' -e 'Oops'", 30)
            return out.strip() == "0", f"{out.strip()} lines with call traces or bugs"
        check(f"{label}: dmesg has no call traces", dmesg)

        def reboot():
            con.send("reboot\r")
            con.expect(r"reboot: Restarting system", 120)
            wait_boot(con, label, "reboot")
            con.expect(r"shell on the console", 60)
            out, _ = con.run("echo $((1+1))", 60)
            return out.strip() == "2", f"second boot's shell answered {out!r}"
        check(f"{label}: reboot restarts the guest", reboot)

        def poweroff():
            con.send("poweroff\r")
            con.expect(r"reboot: Power down", 120)
            rc = con.wait_exit(60)
            return rc == 0, f"exit status {rc}"
        check(f"{label}: poweroff exits with status 0", poweroff)
    finally:
        con.close()


def no_reboot_boot(label, binary, cache, logdir):
    """-cpu qemu64, -no-reboot: the guest reboots at once; the emulator exits 0."""
    model = "QEMU Virtual CPU version 2.5+"
    con = Console(boot_argv(binary, cache, "emu86.action=reboot",
                            ["-no-reboot", "-cpu", "qemu64"]),
                  os.path.join(logdir, f"{label}-noreboot.log"))
    try:
        def run():
            marker = wait_boot(con, label, "kernel (-no-reboot)")
            con.expect(r"reboot: Restarting system", 120)
            rc = con.wait_exit(60)
            if rc != 0:
                return False, f"exit status {rc} (stderr: {con.stderr_text().strip()!r})"
            if not marker.endswith(", " + model):
                return False, f"marker {marker!r}: -cpu qemu64 should show {model!r}"
            return True, ""
        check(f"{label}: -no-reboot exits 0 on a guest reboot; -cpu qemu64 in cpuinfo", run)
    finally:
        con.close()


def build_isa_initrd(cache):
    """initrd.gz + a second cpio holding /bin/isa-program (the kernel unpacks
    concatenated archives in order); returns (path, native output)."""
    work = os.path.join(cache, "isa")
    os.makedirs(os.path.join(work, "tree", "bin"), exist_ok=True)
    prog = os.path.join(work, "tree", "bin", "isa-program")
    subprocess.run(["gcc", "-O2", "-static", "-march=x86-64-v3", "-maes", "-mpclmul", "-o", prog,
                    os.path.join(HERE, "isa-program.c"), "-lm"], check=True)
    native = subprocess.run([prog], stdout=subprocess.PIPE, check=True).stdout.decode()
    # cpio, or busybox's (build-image.sh unpacked it) where cpio is absent
    tool = shutil.which("cpio") or os.path.join(cache, "pkg", "busybox-static", "bin",
                                                "busybox") + " cpio"
    cpio = subprocess.run(f"cd tree && find . | LC_ALL=C sort | {tool} -o -H newc -R 0:0 "
                          "| gzip -9", shell=True, cwd=work, stdout=subprocess.PIPE,
                          check=True).stdout
    path = os.path.join(work, "initrd-isa.gz")
    with open(path, "wb") as f, open(os.path.join(cache, "initrd.gz"), "rb") as base:
        first = base.read()
        f.write(first)
        f.write(b"\0" * (-len(first) % 4))    # the next archive starts 4-aligned
        f.write(cpio)
    return path, native


def isa_boot(label, binary, cache, logdir, initrd, native):
    """-cpu max: a gcc-built static program using x87, SSE4.2, AVX2, FMA,
    AES-NI and PCLMULQDQ prints the same as on the host CPU."""
    argv = boot_argv(binary, cache, "emu86.action=shell", ["-cpu", "max"])
    argv[argv.index("-initrd") + 1] = initrd
    con = Console(argv, os.path.join(logdir, f"{label}-isa.log"))
    try:
        def run():
            wait_boot(con, label, "kernel (-cpu max)")
            con.expect(r"shell on the console", 60)
            # The kernel keeps printing to the console for a few seconds
            # after /init starts (the refined TSC calibration, ~2 s in):
            # under a fast emulator that lands inside the program's output.
            con.run("dmesg -n 1", 30)
            out, _ = con.run("/bin/isa-program; echo exit=$?", 600)
            # (a line already on its way before dmesg -n took effect)
            out = "".join(l for l in out.splitlines(True)
                          if not re.match(r"\[ *\d+\.\d+\] ", l))
            want = native + "exit=0\n"
            if out != want:
                return False, f"guest printed {out!r}, host {want!r}"
            con.send("poweroff\r")
            return con.wait_exit(120) == 0, f"exit status {con.proc.returncode}"
        check(f"{label}: static x87/SSE4.2/AVX2/FMA/AES program prints what the host prints", run)
    finally:
        con.close()


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    emu86 = os.path.abspath(args[0])
    quick = "--quick" in args
    only = args[args.index("--only") + 1] if "--only" in args else None
    control = "--no-control" not in args and only != "emu86"
    cache = os.environ.get("EMU86_IMAGE_CACHE", os.path.join(ROOT, "build", "linux-cache"))
    os.environ["EMU86_IMAGE_CACHE"] = cache
    r = subprocess.run([os.path.join(HERE, "build-image.sh")], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        report(False, "build-image.sh", r.stderr.decode(errors="replace").strip()[-300:])
        print(f"linux: {results['passed']} passed, {results['failed']} failed, "
              f"{results['skipped']} skipped")
        return 1
    logdir = os.path.join(cache, "logs")
    os.makedirs(logdir, exist_ok=True)
    runs = []
    qemu = shutil.which("qemu-system-x86_64")
    if control:
        if qemu:
            runs.append(("qemu", qemu, "QEMU Virtual CPU version 2.5+"))
        else:
            report(None, "qemu control", "qemu-system-x86_64 not installed")
    if only != "qemu":
        runs.append(("emu86", emu86, "emu86 x86-64-v2 CPU"))
    isa = None
    if "--isa" in args:
        isa = build_isa_initrd(cache)
    for label, binary, default_model in runs:
        if isa:
            isa_boot(label, binary, cache, logdir, *isa)
            continue
        shell_boot(label, binary, cache, logdir, quick, default_model)
        if not quick:
            no_reboot_boot(label, binary, cache, logdir)
    print(f"linux: {results['passed']} passed, {results['failed']} failed, "
          f"{results['skipped']} skipped")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
