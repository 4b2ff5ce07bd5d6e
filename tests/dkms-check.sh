#!/usr/bin/env bash
# Builds the module with DKMS for each test kernel, as `make dkms-install` would on a real
# host, but in a private DKMS tree under build/ so the machine's own DKMS state
# (/var/lib/dkms, /usr/src, /lib/modules) is never touched. One PASS/FAIL line per kernel:
# `dkms build` succeeds and leaves a monster.ko whose vermagic is that kernel's.
#
#   dkms-check.sh [kver...]      (default: tests/vm/kernels.sh)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
name=monster
version=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$TOP/dkms.conf" 2>/dev/null || true)

if [ $# -gt 0 ]; then
	kvers=("$@")
else
	mapfile -t kvers < <(bash "$TOP/tests/vm/kernels.sh")
fi

failed=0
result() { echo "$1 [$2] $3: $4"; [ "$1" != FAIL ] || failed=1; }

if ! command -v dkms >/dev/null 2>&1; then
	for k in "${kvers[@]}"; do result FAIL "$k" dkms-build "dkms is not installed (run tests/setup.sh)"; done
	exit 1
fi
if [ ! -f "$TOP/dkms.conf" ] || [ -z "$version" ]; then
	for k in "${kvers[@]}"; do result FAIL "$k" dkms-build "no dkms.conf with a PACKAGE_VERSION at the top level"; done
	exit 1
fi

base=$BUILD/dkms
src=$base/src/$name-$version
tree=$base/tree
rm -rf "$base"
mkdir -p "$src" "$tree"
# the same files `make dkms-install` puts in /usr/src/monster-<version>
(cd "$TOP" && cp -r --parents Kbuild driver uapi Makefile dkms.conf "$src/")
# signing keys: dkms makes a key pair when it has none; keep it out of /var/lib/dkms
export mok_signing_key=$base/mok.key mok_certificate=$base/mok.pub
dk=(--dkmstree "$tree" --sourcetree "$base/src")

if ! dkms add -m "$name" -v "$version" "${dk[@]}" >"$base/add.log" 2>&1; then
	for k in "${kvers[@]}"; do
		result FAIL "$k" dkms-build "dkms add failed: $(tail -n1 "$base/add.log") (log: $base/add.log)"
	done
	exit 1
fi

for k in "${kvers[@]}"; do
	log=$base/build-$k.log
	if ! dkms build -m "$name" -v "$version" -k "$k" "${dk[@]}" >"$log" 2>&1; then
		mlog=$tree/$name/$version/build/make.log
		[ ! -f "$mlog" ] || cp "$mlog" "$base/make-$k.log"
		result FAIL "$k" dkms-build "dkms build failed: $(grep -m1 -iE 'error' "$log" "$base/make-$k.log" 2>/dev/null | head -n1 || tail -n1 "$log") (log: $log)"
		continue
	fi
	ko=$(find "$tree/$name/$version/$k" -name "$name.ko*" 2>/dev/null | head -n1)
	if [ -z "$ko" ]; then
		result FAIL "$k" dkms-build "dkms build succeeded but left no $name.ko (log: $log)"
		continue
	fi
	vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null || true)
	if [ "${vermagic%% *}" != "$k" ]; then
		result FAIL "$k" dkms-build "built module's vermagic is '$vermagic', not $k"
		continue
	fi
	result PASS "$k" dkms-build "dkms built $(basename "$ko") $version (vermagic $k)"
done

exit "$failed"
