#!/bin/bash
# tests/monitor/run-monitor-tests.sh [BINARY] - the monitor, stop/cont and
# -serial pty, driven through pseudo-terminals (python3's pty module) like
# a user at a terminal.
#
# Guest: tests/monitor/echo.asm (prints "echo ready", then echoes COM1
# input by polling), built here with nasm.  Cases, for TCG and (when
# /dev/kvm opens) KVM:
#   - -nographic: C-a c opens the monitor; info status/registers/cpus,
#     stop (the guest no longer echoes), cont (it does again), unknown
#     command, system_reset (banner again), quit (status 0);
#   - -monitor stdio -serial none: the same commands on a console of its own;
#   - -serial pty: the path is printed, a client of the pty reaches the
#     guest's UART both ways, stop/cont hold and release its echo;
#   - -monitor pty, -S (start paused), C-a x, and -nographic -monitor stdio
#     (two users of stdio: an error, as in QEMU).
# One line per case: "PASS name" / "FAIL name: why" / "SKIP name: why";
# the last line is "N passed, N failed, N skipped".  Exit status 0 iff
# nothing failed.
set -u
BIN=${1:-build/emu86}
HERE=$(cd "$(dirname "$0")" && pwd)

summary() { echo "$1 passed, $2 failed, $3 skipped"; [ "$2" -eq 0 ]; exit $?; }

if [ ! -x "$BIN" ]; then
    echo "FAIL monitor: binary $BIN not found"; summary 0 1 0
fi
if ! command -v python3 >/dev/null || ! command -v nasm >/dev/null; then
    echo "SKIP monitor: needs python3 and nasm"; summary 0 0 1
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/emu86-mon.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
if ! nasm -f bin -o "$TMP/echo.bin" "$HERE/echo.asm"; then
    echo "FAIL monitor: cannot build echo.asm"; summary 0 1 0
fi
ACCELS=tcg
if [ -c /dev/kvm ] && { exec 3<>/dev/kvm; } 2>/dev/null; then exec 3>&-; ACCELS="tcg kvm"; fi

python3 - "$BIN" "$TMP/echo.bin" "$TMP" $ACCELS <<'PY'
import os, pty, re, select, signal, subprocess, sys, termios, time, tty

BIN, IMG, TMP = sys.argv[1], sys.argv[2], sys.argv[3]
ACCELS = sys.argv[4:]
passed = failed = skipped = 0
CA = b"\x01"


class Failure(Exception):
    pass


class Emu:
    """emu86 with stdin/stdout on a pty we hold the master of."""

    def __init__(self, args, stdio_pty=True):
        self.err_path = os.path.join(TMP, "err.%d" % time.monotonic_ns())
        self.err = open(self.err_path, "wb")
        if stdio_pty:
            self.master, slave = pty.openpty()
            stdin = stdout = slave
        else:
            self.master, slave = None, None
            stdin, stdout = subprocess.DEVNULL, subprocess.DEVNULL
        self.p = subprocess.Popen([BIN] + args, stdin=stdin, stdout=stdout,
                                  stderr=self.err, start_new_session=True)
        if slave is not None:
            os.close(slave)
        self.buf = b""

    def send(self, data):
        os.write(self.master, data)

    def _read(self, fd, timeout):
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return b""
        try:
            # "\r\n" from the monitor becomes "\r\r\n" through a terminal
            # that keeps output processing (as QEMU's stdio does): the
            # patterns below match text with every CR removed
            return os.read(fd, 65536).replace(b"\r", b"")
        except OSError:
            return b""

    def expect(self, what, timeout=10, fd=None):
        """Wait for regex `what` (bytes) in the output after the mark."""
        fd = self.master if fd is None else fd
        pat = re.compile(what)
        end = time.monotonic() + timeout
        while True:
            m = pat.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = end - time.monotonic()
            if left <= 0 or (self.p.poll() is not None and fd == self.master
                             and not select.select([fd], [], [], 0)[0]):
                raise Failure("no %r in output (got %r)" % (what, self.buf[-300:]))
            self.buf += self._read(fd, min(left, 0.2))

    def quiet(self, what, secs, fd=None):
        """Fail if regex `what` shows up within secs."""
        fd = self.master if fd is None else fd
        end = time.monotonic() + secs
        while time.monotonic() < end:
            self.buf += self._read(fd, 0.1)
            if re.search(what, self.buf):
                raise Failure("%r appeared while it should not" % what)

    def cmd(self, line, reply=rb"\(emu86\) "):
        self.buf = b""
        self.send(line.encode() + b"\r")
        return self.expect(reply)

    def wait_exit(self, timeout=10):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Failure("still running %ds later" % timeout)

    def stderr(self):
        self.err.flush()
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")

    def close(self):
        if self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGKILL)
            self.p.wait()
        if self.master is not None:
            os.close(self.master)
        self.err.close()


def case(name, fn, *args):
    global passed, failed
    try:
        fn(*args)
        print("PASS " + name)
        passed += 1
    except Failure as e:
        print("FAIL %s: %s" % (name, e))
        failed += 1
    except Exception as e:   # a harness error is a failure too
        print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
        failed += 1
    sys.stdout.flush()


def check(cond, why):
    if not cond:
        raise Failure(why)


def common_commands(e):
    """The same command set, on whichever console e's monitor is."""
    e.cmd("info status", rb"VM status: running\n\(emu86\) ")
    e.cmd("info version", rb"\n\d+\.\d+\.\d+\n\(emu86\) ")
    e.cmd("foo", rb"unknown command: 'foo'\n\(emu86\) ")
    m = e.cmd("help", rb"(?s)cont\|c.*quit\|q.*stop\|s.*system_reset.*\(emu86\) ")
    e.cmd("info cpus", rb"\* CPU #0: thread_id=\d+\n\(emu86\) ")
    e.cmd("stop")
    e.cmd("info status", rb"VM status: paused\n\(emu86\) ")
    e.cmd("info registers", rb"(?s)[ER]IP=[0-9a-f]+ .*CS =f000 .*EFER=.*\(emu86\) ")
    e.cmd("info registers -a", rb"(?s)CPU#0\n.*[ER]IP=.*\(emu86\) ")
    e.cmd("info status", rb"VM status: paused\n\(emu86\) ")
    e.cmd("c")
    e.cmd("info status", rb"VM status: running\n\(emu86\) ")
    # info registers while running pauses around the dump and resumes
    e.cmd("info registers", rb"(?s)[ER]IP=.*\(emu86\) ")
    e.cmd("info status", rb"VM status: running\n\(emu86\) ")


def t_nographic(accel):
    e = Emu(["-accel", accel, "-m", "16M", "-nographic", "-bios", IMG])
    try:
        e.expect(rb"echo ready\n")
        e.send(b"hello")
        e.expect(rb"hello")
        e.send(CA + b"c")
        e.expect(rb"emu86 \S+ monitor - type 'help' for more information\n\(emu86\) ")
        common_commands(e)
        # stop: input typed at the serial console is not echoed ...
        e.cmd("stop")
        e.buf = b""
        e.send(CA + b"c")          # back to the serial console
        time.sleep(0.2)
        e.send(b"Z")
        e.quiet(rb"Z", 1.0)
        # ... until cont
        e.send(CA + b"c")
        e.expect(rb"\(emu86\) ")
        e.cmd("cont")
        e.send(CA + b"c")
        e.expect(rb"Z")
        # typing on the serial console goes to the guest again
        e.send(b"back")
        e.expect(rb"back")
        e.send(CA + b"c")
        e.expect(rb"\(emu86\) ")
        e.cmd("system_reset", rb"echo ready")
        e.cmd("info status", rb"VM status: running\n\(emu86\) ")
        # system_reset while paused: reset, still paused
        e.cmd("stop")
        e.cmd("system_reset")
        e.quiet(rb"echo ready", 0.7)
        e.cmd("info registers", rb"(?s)EIP=0000fff0 .*\(emu86\) ")
        e.cmd("info status", rb"VM status: paused\n\(emu86\) ")
        e.cmd("cont", rb"echo ready")
        e.send(b"quit\r")
        rc = e.wait_exit()
        check(rc == 0, "quit: exit status %d" % rc)
    finally:
        e.close()


def t_monitor_stdio(accel):
    e = Emu(["-accel", accel, "-m", "16M", "-display", "none", "-monitor", "stdio",
             "-serial", "none", "-bios", IMG])
    try:
        e.expect(rb"monitor - type 'help' for more information\n\(emu86\) ")
        common_commands(e)
        e.cmd("system_reset")
        e.send(b"q\r")
        rc = e.wait_exit()
        check(rc == 0, "q: exit status %d" % rc)
    finally:
        e.close()


def open_pty_from(e, label):
    end = time.monotonic() + 10
    while time.monotonic() < end:
        s = e.stderr()
        m = re.search(r"char device redirected to (/dev/pts/\d+) \(label %s\)" % label, s)
        if m:
            fd = os.open(m.group(1), os.O_RDWR | os.O_NOCTTY)
            # TCSANOW: TCSAFLUSH would discard what the guest already sent
            tty.setraw(fd, termios.TCSANOW)
            return fd
        if e.p.poll() is not None:
            break
        time.sleep(0.05)
    raise Failure("no 'char device redirected to /dev/pts/N (label %s)' on stderr: %r"
                  % (label, e.stderr()[-300:]))


def t_serial_pty(accel):
    e = Emu(["-accel", accel, "-m", "16M", "-display", "none", "-serial", "pty",
             "-monitor", "stdio", "-bios", IMG])
    fd = -1
    try:
        fd = open_pty_from(e, "serial0")
        e.expect(rb"echo ready\n", fd=fd)
        os.write(fd, b"ping")
        e.expect(rb"ping", fd=fd)
        e.expect(rb"\(emu86\) ")
        e.cmd("stop")
        e.buf = b""
        os.write(fd, b"Q")
        e.quiet(rb"Q", 1.0, fd=fd)
        e.cmd("cont")
        e.buf = b""
        e.expect(rb"Q", fd=fd)
        # a second client after the first one left
        os.close(fd)
        fd = -1
        fd = open_pty_from(e, "serial0")
        os.write(fd, b"again")
        e.buf = b""
        e.expect(rb"again", fd=fd)
        e.send(b"quit\r")
        rc = e.wait_exit()
        check(rc == 0, "exit status %d" % rc)
    finally:
        if fd >= 0:
            os.close(fd)
        e.close()


def t_monitor_pty():
    e = Emu(["-accel", "tcg", "-m", "16M", "-display", "none", "-serial", "none",
             "-monitor", "pty", "-bios", IMG], stdio_pty=False)
    fd = -1
    try:
        fd = open_pty_from(e, "compat_monitor0")
        e.expect(rb"\(emu86\) ", fd=fd)
        os.write(fd, b"info status\r")
        e.expect(rb"VM status: running\n\(emu86\) ", fd=fd)
        os.write(fd, b"quit\r")
        rc = e.wait_exit()
        check(rc == 0, "exit status %d" % rc)
    finally:
        if fd >= 0:
            os.close(fd)
        e.close()


def t_start_paused():
    e = Emu(["-accel", "tcg", "-m", "16M", "-nographic", "-S", "-bios", IMG])
    try:
        e.quiet(rb"echo ready", 1.0)
        e.send(CA + b"c")
        e.expect(rb"\(emu86\) ")
        e.cmd("info status", rb"VM status: paused\n\(emu86\) ")
        e.cmd("info registers", rb"(?s)EIP=0000fff0 .*\(emu86\) ")
        e.cmd("cont", rb"echo ready")
        e.cmd("quit", rb"")
        rc = e.wait_exit()
        check(rc == 0, "exit status %d" % rc)
    finally:
        e.close()


def t_ctrl_a_x():
    e = Emu(["-accel", "tcg", "-m", "16M", "-nographic", "-bios", IMG])
    try:
        e.expect(rb"echo ready")
        e.send(CA + b"c")
        e.expect(rb"\(emu86\) ")
        e.send(CA + b"x")          # works from the monitor too
        e.expect(rb"terminating on C-a x")
        rc = e.wait_exit()
        check(rc == 0, "exit status %d" % rc)
    finally:
        e.close()


def t_stdio_twice():
    e = Emu(["-accel", "tcg", "-m", "16M", "-nographic", "-monitor", "stdio",
             "-bios", IMG])
    try:
        rc = e.wait_exit()
        err = e.stderr()
        check(rc == 1, "exit status %d, expected 1" % rc)
        check("cannot use stdio by multiple character devices" in err,
              "stderr: %r" % err)
        check(len(err.strip().splitlines()) == 1, "more than one line: %r" % err)
    finally:
        e.close()


for accel in ACCELS:
    case("-nographic C-a c monitor (%s)" % accel, t_nographic, accel)
    case("-monitor stdio -serial none (%s)" % accel, t_monitor_stdio, accel)
    case("-serial pty (%s)" % accel, t_serial_pty, accel)
case("-monitor pty", t_monitor_pty)
case("-S starts paused", t_start_paused)
case("C-a x from the monitor", t_ctrl_a_x)
case("-nographic -monitor stdio: stdio used twice", t_stdio_twice)
if "kvm" not in ACCELS:
    print("SKIP kvm cases: /dev/kvm does not open")
    skipped += 3
print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
sys.exit(1 if failed else 0)
PY
