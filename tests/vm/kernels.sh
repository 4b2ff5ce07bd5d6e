#!/usr/bin/env bash
# Lists the kernels the module is tested against: the newest installed 6.1.* and 6.12.*
# that have both an image (/boot/vmlinuz-X) and a build tree (/lib/modules/X/build),
# one release per line. Versions move with Debian's updates, so they are found, not named.
#
#   kernels.sh [--rt] [--series 6.1|6.12]...
#     --rt        the PREEMPT_RT flavour (-rt-amd64) instead of the generic one
#     --series S  only that series (repeatable); default: 6.1 and 6.12
# MONSTER_KERNELS="rel1 rel2" overrides the discovery (each must still be installed, or be
# the release of the self-built tree MONSTER_KERNEL_TREE, see run-vm.sh); MONSTER_RT=1 is --rt.
set -euo pipefail

flavour=amd64
[ "${MONSTER_RT:-0}" != 1 ] || flavour=rt-amd64
series=()
while [ $# -gt 0 ]; do
	case "$1" in
	--rt) flavour=rt-amd64 ;;
	--series) series+=("$2"); shift ;;
	-h|--help) sed -n '2,10p' "$0"; exit 0 ;;
	*) echo "kernels.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[ ${#series[@]} -gt 0 ] || series=(6.1 6.12)

usable() { [ -f "/boot/vmlinuz-$1" ] && [ -d "/lib/modules/$1/build" ]; }
# a self-built kernel: its build tree holds the image and is the module's KDIR
self_built() {
	[ -n "${MONSTER_KERNEL_TREE:-}" ] && [ -f "$MONSTER_KERNEL_TREE/vmlinux" ] &&
		[ "$(cat "$MONSTER_KERNEL_TREE/include/config/kernel.release" 2>/dev/null)" = "$1" ]
}

if [ -n "${MONSTER_KERNELS:-}" ]; then
	for k in $MONSTER_KERNELS; do
		if ! usable "$k" && ! self_built "$k"; then
			echo "kernels.sh: $k has no /boot/vmlinuz-$k or /lib/modules/$k/build" >&2
			exit 1
		fi
		echo "$k"
	done
	exit 0
fi

found=0
for s in "${series[@]}"; do
	best=""
	# "6.1.*" cannot match 6.12.*: the character after "6.1" must be a dot.
	for img in /boot/vmlinuz-"$s".*; do
		[ -e "$img" ] || continue
		k=${img#/boot/vmlinuz-}
		case "$k" in
		*-rt-amd64) [ "$flavour" = rt-amd64 ] || continue ;;
		*-cloud-amd64) continue ;;
		*-amd64) [ "$flavour" = amd64 ] || continue ;;
		*) continue ;;
		esac
		usable "$k" || continue
		best=$(printf '%s\n%s\n' "$best" "$k" | sed '/^$/d' | sort -V | tail -n1)
	done
	if [ -z "$best" ]; then
		echo "kernels.sh: no $s.* ($flavour) kernel with image and headers installed (run tests/setup.sh)" >&2
		continue
	fi
	echo "$best"
	found=$((found + 1))
done
[ "$found" -gt 0 ]
