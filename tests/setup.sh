#!/usr/bin/env bash
# Installs everything monster's build, demo and tests need on a fresh Debian 12 machine:
# toolchain pieces, the two test kernels (6.1 and 6.12 series) with headers, qemu, busybox,
# dkms, sparse. Idempotent: a second run only checks. Needs root (apt-get).
set -euo pipefail

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then exec sudo -E "$0" "$@"; fi
		echo "setup: must run as root to install packages" >&2
		exit 1
	fi
}

# Newest 6.12 kernel of Debian 12 (backports/security) that has both an image and headers.
pick_612() {
	apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' |
		sed -n 's/^linux-headers-\(6\.12\.[0-9]*+deb12-amd64\) .*/\1/p' | sort -V -r |
		while read -r v; do
			if apt-cache show "linux-image-$v-unsigned" >/dev/null 2>&1; then
				echo "$v"
				break
			fi
		done
}

base_pkgs="build-essential make gcc pkg-config kmod cpio busybox-static qemu-system-x86 \
dkms sparse libnuma-dev libncurses-dev linux-image-amd64 linux-headers-amd64"
# test harness: gcc-multilib for the 32-bit compat_ioctl test programs (tests/vm/t32_*.c),
# xz-utils/zstd to unpack the kernel images the VM boots, openssl for dkms's signing key,
# the shellcheck linter for the harness scripts, linux-source-6.12 for scripts/checkpatch.pl
base_pkgs="$base_pkgs gcc-multilib xz-utils zstd openssl shellcheck linux-source-6.12"

missing=""
for p in $base_pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
have_612=$(ls -d /lib/modules/6.12.*/build 2>/dev/null | head -n1 || true)
if [ -z "$missing" ] && [ -n "$have_612" ] && ls /boot/vmlinuz-6.12.* >/dev/null 2>&1; then
	exit 0
fi

need_root "$@"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
v612=$(pick_612)
if [ -z "$v612" ]; then
	echo "setup: no linux-image/linux-headers 6.12 pair found in apt" >&2
	exit 1
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $base_pkgs \
	"linux-image-$v612-unsigned" "linux-headers-$v612" >/dev/null
echo "setup: installed kernels: $(ls /boot/vmlinuz-* | sed 's|/boot/vmlinuz-||' | tr '\n' ' ')"
