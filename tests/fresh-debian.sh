#!/usr/bin/env bash
# The promise "make check passes on a fresh Debian 12 machine", tested as a new user would:
# a minimal Debian 12 (debootstrap --variant=minbase) in DIR, a clean clone of this checkout
# under /root inside it (mode 0700), and `bash .ci/run` run there as root. Not part of
# `make check`: it downloads a system and the test kernels (a few GB) and takes about as long
# as .ci/run itself. Needs root, debootstrap and the network.
#
#   tests/fresh-debian.sh [DIR]     default DIR: build/fresh-debian (reused if already there)
# Prints .ci/run's output; its exit status is .ci/run's.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-$top/build/fresh-debian}
[ "$(id -u)" = 0 ] || { echo "fresh-debian: must run as root" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "fresh-debian: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 2; }

if [ ! -x "$root/usr/bin/apt-get" ]; then
	mkdir -p "$root"
	debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian
fi
# the host's apt sources (security and updates carry the 6.12 kernels) and name service
cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/" 2>/dev/null ||
	cp /etc/apt/sources.list "$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf"

mounted=()
cleanup() {
	local m
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		m=${mounted[i]}
		umount -l "$m" 2>/dev/null || true
	done
}
trap cleanup EXIT
for m in proc sys dev dev/pts; do
	mkdir -p "$root/$m"
	mountpoint -q "$root/$m" || { mount --bind "/$m" "$root/$m"; mounted+=("$root/$m"); }
done

# a clean clone of what is committed here, where root's checkout would be
rm -rf "$root/root/monster"
git -C "$top" bundle create "$root/root/monster.bundle" HEAD >/dev/null 2>&1
chmod 0700 "$root/root"
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb \
	/bin/bash -c 'set -e; export DEBIAN_FRONTEND=noninteractive
		command -v git >/dev/null || { apt-get update -qq && apt-get install -y -qq git >/dev/null; }
		git clone -q /root/monster.bundle /root/monster && cd /root/monster && bash .ci/run'
