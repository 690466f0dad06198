#!/bin/bash
# tests/linux/build-image.sh - a Debian kernel and a busybox initramfs for
# booting Linux with -kernel/-initrd (issue 4).
#
# Downloads (never installs) Debian's linux-image-amd64 (resolved to the
# real linux-image-<abi>-amd64 package) and busybox-static with
# `apt-get download`, unpacks them with `dpkg-deb -x` into a cache dir and
# builds a cpio (newc) + gzip initramfs whose /init mounts proc, sys and
# dev, prints the marker line below (kernel release, CPU count, CPU model
# name) and then, depending on the kernel command line:
#   emu86.action=shell     (default) busybox init with a shell on the
#                          console ('poweroff' / 'reboot' at the prompt work)
#   emu86.action=reboot    reboots the machine at once
#   emu86.action=poweroff  powers the machine off
# (Parameters with a dot are not handed to init by the kernel, so /init
# reads /proc/cmdline.)
#
# Usage: tests/linux/build-image.sh [--qemu]
#   EMU86_IMAGE_CACHE  cache dir (default build/linux-cache)
# Output: $CACHE/vmlinuz, $CACHE/initrd.gz.  A second run reuses the cache.
#   --qemu  boot the result under qemu-system-x86_64 (the control) and
#           check the marker and the power-off; prints the wall time.
set -euo pipefail

MARKER="EMU86-LINUX-BOOT-OK"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CACHE=${EMU86_IMAGE_CACHE:-$root/build/linux-cache}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

die() { echo "build-image: $*" >&2; exit 1; }

# --- 1. the packages -------------------------------------------------------
fetch_pkg() {  # fetch_pkg NAME -> unpacks into $CACHE/pkg/NAME
    local name=$1
    if [ -e "$CACHE/pkg/$name/.done" ]; then
        return
    fi
    mkdir -p "$CACHE/debs" "$CACHE/pkg"
    if ! ls "$CACHE/debs/${name}_"*.deb >/dev/null 2>&1; then
        (cd "$CACHE/debs" && apt-get download "$name") ||
            die "apt-get download $name failed (run 'apt-get update' first?)"
    fi
    local deb
    deb=$(ls "$CACHE/debs/${name}_"*.deb | sort -V | tail -n 1)
    rm -rf "$CACHE/pkg/$name"
    dpkg-deb -x "$deb" "$CACHE/pkg/$name" || die "dpkg-deb -x $deb failed"
    touch "$CACHE/pkg/$name/.done"
}

if [ ! -e "$CACHE/kernel-package" ]; then
    # The metapackage only depends on the real image package.
    real=$(apt-cache depends linux-image-amd64 2>/dev/null |
           sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1)
    [ -n "$real" ] || die "cannot resolve linux-image-amd64 (run 'apt-get update' first?)"
    echo "$real" > "$CACHE/kernel-package"
fi
kpkg=$(cat "$CACHE/kernel-package")
fetch_pkg "$kpkg"
fetch_pkg busybox-static

vmlinuz=$(ls "$CACHE/pkg/$kpkg/boot/vmlinuz-"* 2>/dev/null | head -n 1)
[ -n "$vmlinuz" ] || die "no /boot/vmlinuz-* in $kpkg"
cp -f "$vmlinuz" "$CACHE/vmlinuz"
busybox="$CACHE/pkg/busybox-static/bin/busybox"
[ -x "$busybox" ] || die "no bin/busybox in busybox-static"

# --- 2. the initramfs -------------------------------------------------------
init_script() {
cat <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || true
# The kernel may have found no /dev/console before devtmpfs was mounted.
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
model=\$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "$MARKER (\$(uname -r), \$(grep -c ^processor /proc/cpuinfo) cpu, \$model)"
action=shell
for arg in \$(cat /proc/cmdline); do
    case "\$arg" in emu86.action=*) action=\${arg#emu86.action=} ;; esac
done
case "\$action" in
shell)
    # busybox init as PID 1: 'poweroff' and 'reboot' typed at the shell
    # then work as on a real system (init runs the shutdown and asks the
    # kernel); cttyhack gives the shell the serial port as its controlling
    # terminal, so Ctrl-C reaches the foreground job.
    echo "emu86: shell on the console ('poweroff' or 'reboot' to stop)"
    exec /bin/busybox init
    ;;
reboot)
    echo "emu86: rebooting"
    reboot -f
    ;;
esac
echo "emu86: powering off"
poweroff -f
sleep 5
EOF
}

inittab() {
cat <<EOF
::respawn:/bin/cttyhack /bin/sh
::ctrlaltdel:/bin/reboot
::shutdown:/bin/sync
EOF
}

stamp="$MARKER $(sha256sum "$busybox" | cut -c1-16) $( (init_script; inittab) | sha256sum | cut -c1-16)"
if [ ! -e "$CACHE/initrd.gz" ] || [ "$(cat "$CACHE/initrd.stamp" 2>/dev/null)" != "$stamp" ]; then
    tree="$CACHE/initramfs"
    rm -rf "$tree"
    mkdir -p "$tree"/{bin,dev,etc,proc,sys,tmp,root}
    cp "$busybox" "$tree/bin/busybox"
    ln -s busybox "$tree/bin/sh"
    init_script > "$tree/init"
    inittab > "$tree/etc/inittab"
    chmod 755 "$tree/init" "$tree/bin/busybox"
    # A console node lets the kernel open fd 0/1/2 for init (only root can
    # make it; /init falls back to devtmpfs otherwise).
    if [ "$(id -u)" = 0 ]; then
        mknod -m 600 "$tree/dev/console" c 5 1 2>/dev/null || true
    fi
    cpio_cmd=(cpio)
    command -v cpio >/dev/null || cpio_cmd=("$busybox" cpio)
    (cd "$tree" && find . | LC_ALL=C sort | "${cpio_cmd[@]}" -o -H newc -R 0:0 2>/dev/null) |
        gzip -9 > "$CACHE/initrd.gz.tmp"
    mv "$CACHE/initrd.gz.tmp" "$CACHE/initrd.gz"
    echo "$stamp" > "$CACHE/initrd.stamp"
fi
echo "kernel: $CACHE/vmlinuz ($kpkg)"
echo "initrd: $CACHE/initrd.gz"

# --- 3. the control: QEMU ----------------------------------------------------
if [ "${1:-}" = "--qemu" ]; then
    command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found"
    log="$CACHE/qemu-boot.log"
    t0=$(date +%s.%N)
    timeout 300 qemu-system-x86_64 -m 512M -nographic -no-reboot \
        -kernel "$CACHE/vmlinuz" -initrd "$CACHE/initrd.gz" \
        -append "console=ttyS0 panic=-1 emu86.action=poweroff" </dev/null >"$log" 2>&1 ||
        die "qemu exited with status $? (log: $log)"
    t1=$(date +%s.%N)
    grep -q "^$MARKER" "$log" || die "no marker line in $log"
    grep -q "reboot: Power down" "$log" || die "no power-off in $log"
    printf 'qemu (TCG): marker and power-off in %.1f s wall\n' "$(echo "$t1 - $t0" | bc)"
fi
