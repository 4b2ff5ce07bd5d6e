#!/usr/bin/env bash
# Installs everything monster's build, demo and tests need on a fresh Debian 12 machine:
# toolchain pieces, the three test kernels (6.1, 6.12 and PREEMPT_RT 6.12) with headers, qemu,
# busybox, dkms, sparse. Idempotent: a second run only checks. Needs root (apt-get).
#   setup.sh --debug   also what building the debug kernel needs (tests/debug-kernel.sh)
set -euo pipefail

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then exec sudo -E "$0" "$@"; fi
		echo "setup: must run as root to install packages" >&2
		exit 1
	fi
}

# Newest 6.12 kernel of Debian 12 (backports/security) of a flavour (amd64 or rt-amd64,
# PREEMPT_RT) that has both an image and headers.
pick_612() {
	local flavour=${1:-amd64}
	apt-cache search --names-only "^linux-headers-6\\.12\\.[0-9]+\\+deb12-$flavour\$" |
		sed -n "s/^linux-headers-\\(6\\.12\\.[0-9]*+deb12-$flavour\\) .*/\\1/p" | sort -V -r |
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
# the tools print JSON through json-c (libjson-c-dev: headers, shared and static library);
# the CLI tests parse that JSON with python3's json module
base_pkgs="$base_pkgs libjson-c-dev python3"
# monster-exporter: HTTP through libmicrohttpd; its tests: promtool and a Prometheus server
# (prometheus; on a machine with systemd the package also starts its own server on :9090),
# the landing page in headless chromium, read back with python3-pil (Debian's python3), curl;
# make bench-exporter: process-exporter beside it
base_pkgs="$base_pkgs libmicrohttpd-dev prometheus chromium python3-pil curl"
base_pkgs="$base_pkgs prometheus-process-exporter"
# make bench: the BPF task iterator peer (clang -target bpf, linked with libbpf statically)
base_pkgs="$base_pkgs clang libbpf-dev libelf-dev zlib1g-dev"
# make bench: bpftrace, the peer of the events' probes
base_pkgs="$base_pkgs bpftrace"
# --debug: the kernel build of tests/debug-kernel.sh (its source is linux-source-6.12, above):
# bc, bison and flex for the build and Kconfig, libelf-dev for objtool (the ORC unwinder)
if [ "${1:-}" = --debug ]; then
	base_pkgs="$base_pkgs bc bison flex libelf-dev"
fi

missing=""
for p in $base_pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
# installed means image and build tree of the same release (the generic and the -rt flavour)
have_flavour() {
	local k r
	for k in /boot/vmlinuz-6.12.*; do
		r=${k#/boot/vmlinuz-}
		# 6.12.N+deb12-amd64 or 6.12.N+deb12-rt-amd64, exactly
		[[ "$r" =~ ^6\.12\.[0-9]+\+deb12-$1$ ]] || continue
		[ -d "/lib/modules/$r/build" ] && return 0
	done
	return 1
}
if [ -z "$missing" ] && have_flavour amd64 && have_flavour rt-amd64; then
	exit 0
fi

need_root "$@"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
v612=$(pick_612 amd64)
v612rt=$(pick_612 rt-amd64)
if [ -z "$v612" ] || [ -z "$v612rt" ]; then
	echo "setup: no linux-image/linux-headers 6.12 pair found in apt (generic: '$v612', rt: '$v612rt')" >&2
	exit 1
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $base_pkgs \
	"linux-image-$v612-unsigned" "linux-headers-$v612" \
	"linux-image-$v612rt-unsigned" "linux-headers-$v612rt" >/dev/null
echo "setup: installed kernels: $(ls /boot/vmlinuz-* | sed 's|/boot/vmlinuz-||' | tr '\n' ' ')"
