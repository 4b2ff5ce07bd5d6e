#!/usr/bin/env bash
# Static checks of the kernel module, one PASS/FAIL/SKIP line per check per kernel:
#   kbuild-w1      `make modules W=1` (extra compiler warnings): any warning fails
#   kbuild-sparse  `make modules C=2` (sparse on every file): any sparse report fails
#   checkpatch     the kernel's scripts/checkpatch.pl on driver/ and uapi/ (once, not per
#                  kernel), taken from linux-source-6.12 when it is installed, else SKIP
#
#   kbuild-checks.sh [kver...]      (default: tests/vm/kernels.sh)
# Each build starts from an empty folder under build/checks, so every file is compiled.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
checks=$BUILD/checks

if [ $# -gt 0 ]; then
	kvers=("$@")
else
	mapfile -t kvers < <(bash "$TOP/tests/vm/kernels.sh")
fi

failed=0
result() { # result VERDICT [kver|""] name detail
	local tag=""
	[ -z "$2" ] || tag="[$2] "
	echo "$1 $tag$3: $4"
	[ "$1" != FAIL ] || failed=1
}

# kbuild_check KVER NAME KBUILD_ARGS REGEX: build in a fresh folder, fail on REGEX hits
kbuild_check() {
	local kver=$1 name=$2 args=$3 re=$4 dir=$checks/$2 log hits n
	log=$dir/$kver.log
	rm -rf "$dir/kmod/$kver"
	mkdir -p "$dir"
	if ! make -C "$TOP" --no-print-directory BUILD="$dir" KVER="$kver" KBUILD_ARGS="$args" modules >"$log" 2>&1; then
		result FAIL "$kver" "$name" "build failed: $(grep -m1 -E 'error' "$log" || tail -n1 "$log") (log: $log)"
		return
	fi
	hits=$(grep -E "$re" "$log" || true)
	if [ -n "$hits" ]; then
		n=$(printf '%s\n' "$hits" | wc -l)
		result FAIL "$kver" "$name" "$n report(s); first: $(printf '%s\n' "$hits" | head -n1) (log: $log)"
	else
		result PASS "$kver" "$name" "clean ($args)"
	fi
}

for kver in "${kvers[@]}"; do
	if [ ! -d "/lib/modules/$kver/build" ]; then
		result FAIL "$kver" kbuild "no headers at /lib/modules/$kver/build"
		continue
	fi
	# compiler and modpost diagnostics; "Skipping BTF generation" is not one
	kbuild_check "$kver" kbuild-w1 "W=1" '([Ww]arning|[Ee]rror)[: ]|WARNING:'
	if command -v sparse >/dev/null 2>&1; then
		# sparse reports "file:line:col: warning|error: ..."
		kbuild_check "$kver" kbuild-sparse "C=2" ':[0-9]+:[0-9]+: (warning|error):|WARNING:'
	else
		result SKIP "$kver" kbuild-sparse "sparse is not installed (apt-get install sparse)"
	fi
done

# --- checkpatch ---------------------------------------------------------------------------
find_checkpatch() {
	local c tarball
	for c in "${CHECKPATCH:-}" "$checks/checkpatch/scripts/checkpatch.pl" /usr/src/linux-source-*/scripts/checkpatch.pl; do
		[ -n "$c" ] && [ -f "$c" ] && { echo "$c"; return; }
	done
	# Debian's linux-source is a 150 MB tarball: pull out just checkpatch and its data (~12 s, once)
	tarball=$(printf '%s\n' /usr/src/linux-source-*.tar.xz | sort -V | tail -n1)
	[ -f "$tarball" ] || tarball=""
	[ -n "$tarball" ] || return 0
	mkdir -p "$checks/checkpatch"
	tar -xJf "$tarball" -C "$checks/checkpatch" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch' \
		>/dev/null 2>&1 || true
	c=$checks/checkpatch/scripts/checkpatch.pl
	[ -f "$c" ] && echo "$c"
	return 0
}

cp_script=$(find_checkpatch)
mapfile -t cp_files < <(cd "$TOP" && ls driver/*.c driver/*.h uapi/*.h 2>/dev/null)
if [ -z "$cp_script" ]; then
	result SKIP "" checkpatch "no checkpatch.pl (apt-get install linux-source-6.12, or CHECKPATCH=path)"
elif [ ${#cp_files[@]} -eq 0 ]; then
	result SKIP "" checkpatch "no driver sources"
else
	log=$checks/checkpatch.log
	cpdir=$checks/checkpatch-files
	rm -rf "$cpdir" && mkdir -p "$cpdir"
	# a copy outside git: --strict in a git work tree leaves a .checkpatch-camelcase.* cache
	(cd "$TOP" && cp --parents "${cp_files[@]}" "$cpdir/")
	# --no-tree: not a kernel tree. LINUX_VERSION_CODE: the compat header exists to test it.
	# --strict adds CHECK notes (reported, not failed); ERRORs and WARNINGs fail.
	(cd "$cpdir" && perl "$cp_script" --no-tree --strict --terse --show-types --file \
		--ignore LINUX_VERSION_CODE "${cp_files[@]}") >"$log" 2>&1 || true
	n=$(grep -cE ': (ERROR|WARNING):' "$log" || true)
	if [ "$n" -gt 0 ]; then
		result FAIL "" checkpatch "$n error(s)/warning(s); first: $(grep -m1 -E ': (ERROR|WARNING):' "$log") (log: $log)"
	else
		result PASS "" checkpatch "${#cp_files[@]} files clean ($(grep -cE ': CHECK:' "$log" || true) CHECK notes; log: $log)"
	fi
fi

exit "$failed"
