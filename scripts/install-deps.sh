#!/bin/sh
# Install the Debian packages emu86 needs to build, test and compare against
# QEMU.  Idempotent: installs only what is missing.  Needs root (or sudo).
set -e
pkgs="build-essential pkg-config nasm libcapstone-dev libglib2.0-dev libpixman-1-dev
libsdl2-dev libslirp-dev zlib1g-dev qemu-system-x86 busybox-static openssl bc gnuplot-nox python3
acpica-tools dmidecode"
missing=
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && { echo "install-deps: all packages present"; exit 0; }
echo "install-deps: installing$missing"
SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
