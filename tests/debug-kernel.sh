#!/usr/bin/env bash
# `make check-debug`: the VM suite on a debug kernel built from Debian's linux-source-6.12:
# lockdep (PROVE_LOCKING), KASAN (generic, inline), KFENCE, UBSAN bounds, DEBUG_ATOMIC_SLEEP,
# DEBUG_LIST, DEBUG_VM, configured as `make tinyconfig` plus tests/debug-kernel.config (what
# the VM guest needs, nothing more). Source and build stay in build/kdebug; the kernel is
# built again only when the source package, the config fragment or the compiler changed.
#
#   debug-kernel.sh                    build the kernel if needed, then the whole VM suite on it
#                                      (tests/check.sh; ends with `N passed, M failed`)
#   debug-kernel.sh --build            only build it (or find it up to date); prints its release
#   debug-kernel.sh RUN-VM-OPTIONS...  build if needed, then tests/vm/run-vm.sh on it with these
#                                      options, e.g. --tests t_45_sweep_hist
# Environment: BUILD; MONSTER_KDEBUG_JOBS (make -j for the kernel, default: the CPU count);
# MONSTER_VM_MEM, MONSTER_VM_TIMEOUT, MONSTER_VM_TEST_TIMEOUT (the guest's size and limits,
# default 2048 MiB, 1800 s, 600 s). The packages the build needs: `tests/setup.sh --debug`.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$here/.." && pwd)
export BUILD=${BUILD:-$TOP/build}
tarball=/usr/src/linux-source-6.12.tar.xz
fragment=$here/debug-kernel.config
kd=$BUILD/kdebug
src=$kd/linux-source-6.12
obj=$kd/obj
jobs=${MONSTER_KDEBUG_JOBS:-$(nproc)}

mode=suite
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	sed -n '2,15p' "$0"
	exit 0
elif [ "${1:-}" = --build ]; then
	mode=build
elif [ $# -gt 0 ]; then
	mode=run-vm
fi

note() { echo "debug-kernel: $*" >&2; }
# fail NAME DETAIL: the result line (and, for the whole suite, the summary it would end with)
fail() {
	echo "FAIL debug-kernel-$1: $2"
	[ "$mode" != suite ] || echo "0 passed, 1 failed"
	exit 1
}

# --- what the build needs ----------------------------------------------------------------
missing=""
for t in gcc make bc bison flex perl tar xz; do
	command -v "$t" >/dev/null 2>&1 || missing+=" $t"
done
[ -f /usr/include/gelf.h ] || missing+=" libelf-dev"
[ -f "$tarball" ] || missing+=" $tarball"
[ -z "$missing" ] || fail build "missing:$missing (install with: tests/setup.sh --debug)"

# --- the source: unpacked once per version of the package --------------------------------
src_key="linux-source-6.12 $(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)"
src_key+=" $(stat -c '%s %Y' "$tarball")"
if [ ! -f "$src/Makefile" ] || [ "$(cat "$kd/source.stamp" 2>/dev/null)" != "$src_key" ]; then
	note "unpacking $tarball into $kd"
	rm -rf "$src" "$obj" "$kd/source.stamp"
	mkdir -p "$kd"
	tar -C "$kd" -xf "$tarball"
	echo "$src_key" >"$kd/source.stamp"
fi

# --- the configuration -------------------------------------------------------------------
# Every line of the fragment must hold after olddefconfig: one that does not has a dependency
# the fragment lacks, and the kernel would quietly be less than it claims.
check_config() {
	local line sym bad=""
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF -- "$line" "$obj/.config" || bad+=" $line"
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			! grep -q "^$sym=" "$obj/.config" || bad+=" $sym=n"
			;;
		esac
	done <"$fragment"
	[ -z "$bad" ] || fail config "not in the final .config (a dependency is missing):$bad"
}

# ARCH=x86_64: for ARCH=x86 (the default on an x86-64 host) tinyconfig is a 32-bit kernel
kmake=(make -C "$src" O="$obj" ARCH=x86_64)

config_key="$src_key; fragment $(sha256sum <"$fragment" | cut -d' ' -f1)"
config_key+="; $(gcc --version | head -n1)"
if [ "$(cat "$obj/config.stamp" 2>/dev/null)" != "$config_key" ]; then
	note "configuring: make tinyconfig, then $fragment (log: $kd/config.log)"
	mkdir -p "$obj"
	rm -f "$obj/config.stamp" "$kd/build.stamp"
	if ! { "${kmake[@]}" tinyconfig &&
		"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$fragment" &&
		"${kmake[@]}" olddefconfig; } >"$kd/config.log" 2>&1; then
		tail -n 20 "$kd/config.log" >&2
		fail config "configuring the kernel failed (log: $kd/config.log)"
	fi
	check_config
	echo "$config_key" >"$obj/config.stamp"
fi

# --- the build ---------------------------------------------------------------------------
if [ "$(cat "$kd/build.stamp" 2>/dev/null)" = "$config_key" ] && [ -f "$obj/vmlinux" ] &&
	[ -f "$obj/Module.symvers" ]; then
	note "kernel $(cat "$obj/include/config/kernel.release") is up to date in $obj" \
		"($(cat "$kd/build-time" 2>/dev/null || echo "build time unknown"))"
else
	note "building the kernel: nice -n 10 make -j$jobs (log: $kd/build.log)"
	t0=$(date +%s)
	if ! nice -n 10 "${kmake[@]}" -j"$jobs" all >"$kd/build.log" 2>&1; then
		tail -n 30 "$kd/build.log" >&2
		fail build "make failed (log: $kd/build.log)"
	fi
	secs=$(($(date +%s) - t0))
	echo "built in $((secs / 60)) min $((secs % 60)) s with -j$jobs on $(date -u +%F)" \
		>"$kd/build-time"
	echo "$config_key" >"$kd/build.stamp"
	note "$(cat "$kd/build-time"); $(du -sh "$kd" | cut -f1) in $kd"
fi
release=$(cat "$obj/include/config/kernel.release")

if [ "$mode" = build ]; then
	echo "$release"
	exit 0
fi

# --- the kernel-log check must catch what these sanitizers report ------------------------
# kind|a line as the kernel prints it: each alone in a log must make a FAIL of that kind
log=$(mktemp)
trap 'rm -f "$log"' EXIT
while IFS='|' read -r kind line; do
	printf '[   12.345678] %s\n' "$line" >"$log"
	if out=$(bash "$here/vm/check-kernel-log.sh" "$log") ||
		[[ "$out" != *"FAIL kernel-log-$kind:"* ]]; then
		fail log-check "check-kernel-log.sh does not report '$line' as kernel-log-$kind"
	fi
done <<'EOF'
KASAN|BUG: KASAN: slab-use-after-free in monster_ioctl+0x4c/0x1e0 [monster]
KFENCE|BUG: KFENCE: out-of-bounds read in monster_release+0x20/0x90 [monster]
lockdep|WARNING: possible circular locking dependency detected
lockdep|WARNING: inconsistent lock state
lock-misuse|[ BUG: Invalid wait context ]
sleep-in-atomic|BUG: sleeping function called from invalid context at kernel/locking/mutex.c:585
lockdep-off|INFO: lockdep is turned off.
UBSAN|UBSAN: array-index-out-of-bounds in driver/monster_ring.c:88:12
list-corruption|list_del corruption, ffff888003c1b2a8->next is LIST_POISON1 (dead000000000100)
lock-misuse|WARNING: suspicious RCU usage
debug-objects|ODEBUG: free active (active state 0) object: 00000000a1b2c3d4 object type: hrtimer
EOF
rm -f "$log"
trap - EXIT

# --- the VM suite ------------------------------------------------------------------------
# run-vm.sh boots the tree's vmlinux and builds monster.ko against the tree (make modules
# KVER=<release> KDIR=<tree>); kernels.sh accepts the release. The stress programs run short.
# Under emulation this kernel is 3 to 9 times slower than Debian's (fork + exec 56 ms against
# 18 ms; 1000 threads created in 3.9 s against 0.44 s), and KASAN's shadow takes an eighth of
# the memory: a larger guest and longer limits.
export MONSTER_KERNEL_TREE=$obj
export MONSTER_VM_MEM=${MONSTER_VM_MEM:-2048}
export MONSTER_VM_TIMEOUT=${MONSTER_VM_TIMEOUT:-1800}
export MONSTER_VM_TEST_TIMEOUT=${MONSTER_VM_TEST_TIMEOUT:-600}
unset MONSTER_STRESS MONSTER_RT
if [ "$mode" = run-vm ]; then
	exec bash "$here/vm/run-vm.sh" "$release" "$@"
fi
MONSTER_KERNELS=$release MONSTER_CHECK_ONLY=vm exec bash "$here/check.sh"
