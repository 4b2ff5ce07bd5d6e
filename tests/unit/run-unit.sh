#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs the native unit test suites named on the command line (native cli exporter symbols asan
# tsan pkgconfig) from an already built tree (see tests/unit/unit.mk for the environment). Prints
# each test's PASS/FAIL line, a FAIL line for a suite that crashed or that a sanitizer flagged,
# and "unit-tests: N passed, M failed" at the end; exits 1 on any FAIL.
set -u
: "${BUILD:?}" "${TOP:?}" "${LIB_SO:?}" "${LIB_MAP:?}" "${LIB_PUBLIC:?}" "${MONSTERCTL:?}" "${MKRINGSET:?}"
: "${EXPORTER:?}" "${EXPORTER_FEED:?}"
CC=${CC:-cc}
MAKE=${MAKE:-make}
log=$(mktemp /tmp/unit-tests.XXXXXX)
trap 'rm -f "$log" "$log".*' EXIT

# suite TAG CMD...: run CMD, echo its lines, add a FAIL if it failed without saying why
suite() {
	local tag=$1
	shift
	local start=$SECONDS rc
	"$@" >"$log.out" 2>"$log.err"
	rc=$?
	grep -E '^(PASS|FAIL) ' "$log.out" | tee -a "$log"
	if [ "$rc" != 0 ] && ! grep -q '^FAIL ' "$log.out"; then
		echo "FAIL $tag/exit: exited $rc without a FAIL line; its stderr:" | tee -a "$log"
		tail -n 40 "$log.err" | sed 's/^/    /'
	elif [ "$rc" != 0 ]; then
		grep -Ev '^unit\(' "$log.err" | tail -n 40 | sed 's/^/    /'
	fi
	if grep -Eq '(AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error:)' "$log.err"; then
		echo "FAIL $tag/sanitizer: report on stderr:" | tee -a "$log"
		grep -E -m 20 -A 12 '(AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error:)' \
			"$log.err" | sed 's/^/    /'
	fi
	echo "  ($tag: $((SECONDS - start)) s)" >&2
}

asan_env() {
	ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$@"
}

tsan_run() {
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 "$@"
	local rc=$?
	# TSan cannot run with some ASLR layouts (high mmap entropy): retry without ASLR
	if [ "$rc" != 0 ] && grep -q 'unexpected memory mapping' "$log.err" 2>/dev/null; then
		TSAN_OPTIONS=halt_on_error=1 setarch "$(uname -m)" -R "$@"
		rc=$?
	fi
	return $rc
}

symbols() {
	local bad soname n exported listed declared want have
	n=$(nm -D --defined-only "$LIB_SO" | awk '$2 != "A"' | wc -l)
	bad=$(nm -D --defined-only "$LIB_SO" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | grep -v '^lmonster_')
	soname=$(readelf -d "$LIB_SO" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
	if [ -n "$bad" ]; then
		echo "FAIL symbols/exports: exported besides lmonster_*: $(echo $bad)"
	elif [ "$n" -lt 20 ]; then
		echo "FAIL symbols/exports: only $n symbols exported"
	else
		echo "PASS symbols/exports: $n symbols, all lmonster_* (version nodes $(nm -D --defined-only "$LIB_SO" | awk '$2 == "A" { print $3 }' | xargs))"
	fi
	# every export carries the node liblmonster.map lists it under, and the map lists nothing else
	exported=$(nm -D --defined-only "$LIB_SO" | awk '$2 != "A" { print $3 }' | LC_ALL=C sort)
	listed=$(awk '/^[A-Za-z0-9_.]+ *\{/ { node = $1 }
		/^[ \t]*lmonster_[a-z0-9_]*;/ { gsub(/[ \t;]/, ""); print $0 "@@" node }' "$LIB_MAP" | LC_ALL=C sort)
	if [ -n "$listed" ] && [ "$exported" = "$listed" ]; then
		echo "PASS symbols/nodes: each export in its node of liblmonster.map ($(printf '%s\n' "$listed" | sed 's/.*@@//' | LC_ALL=C sort | uniq -c | awk '{ printf "%s%s: %s", sep, $2, $1; sep = ", " }'))"
	else
		echo "FAIL symbols/nodes: exports and liblmonster.map differ: $(diff <(printf '%s\n' "$listed") <(printf '%s\n' "$exported") | grep '^[<>]' | xargs)"
	fi
	# the releases' nodes, each with what it added: a symbol never moves to a later node
	local nodes added
	nodes=$(awk '/^[A-Za-z0-9_.]+ *\{/ { printf "%s%s", sep, $1; sep = " " }' "$LIB_MAP")
	added=$(for node in LMONSTER_0.2 LMONSTER_0.3; do
		printf '%s: %s; ' "$node" "$(printf '%s\n' "$exported" | sed -n "s/@@$node\$//p" | xargs)"
	done)
	if [ "$nodes" = "LMONSTER_0.1 LMONSTER_0.2 LMONSTER_0.3" ] &&
		[ "$added" = "LMONSTER_0.2: lmonster_sweep_hist; LMONSTER_0.3: lmonster_event lmonster_for_each_kind lmonster_kind_stats; " ]; then
		echo "PASS symbols/releases: nodes $nodes; $added"
	else
		echo "FAIL symbols/releases: nodes '$nodes', added '$added'"
	fi
	# each node inherits the one before it, as the map says ("} PARENT;")
	want=$(awk '/^[A-Za-z0-9_.]+ *\{/ { node = $1 } /^\} *[A-Za-z0-9_.]+ *;/ { gsub(/[} ;]/, ""); print node " " $0 }' "$LIB_MAP")
	have=$(readelf -V "$LIB_SO" | awk '/Name: LMONSTER_/ { node = $NF } /Parent 1:/ { print node " " $NF }')
	if [ -n "$want" ] && [ "$want" = "$have" ]; then
		echo "PASS symbols/inherit: $(printf '%s\n' "$have" | awk '{ printf "%s%s inherits %s", sep, $1, $2; sep = ", " }')"
	else
		echo "FAIL symbols/inherit: the map says '$(echo $want)', the library '$(echo $have)'"
	fi
	# what the public headers declare is what is exported
	# shellcheck disable=SC2086
	declared=$(grep -ho 'LMONSTER_API [^(]*(' $LIB_PUBLIC | grep -o 'lmonster_[a-z0-9_]*' | LC_ALL=C sort)
	if [ "$declared" = "$(printf '%s\n' "$exported" | sed 's/@.*//' | LC_ALL=C sort)" ]; then
		echo "PASS symbols/api: the $(printf '%s\n' "$declared" | wc -l) LMONSTER_API functions of the public headers are exported, nothing else"
	else
		echo "FAIL symbols/api: declared and exported differ: $(diff <(printf '%s\n' "$declared") <(printf '%s\n' "$exported" | sed 's/@.*//' | LC_ALL=C sort) | grep '^[<>]' | xargs)"
	fi
	if [ "$soname" = liblmonster.so.0 ] && [ "$(readlink "$(dirname "$LIB_SO")/liblmonster.so.0")" = "$(basename "$LIB_SO")" ] &&
		[ "$(readlink "$(dirname "$LIB_SO")/liblmonster.so")" = liblmonster.so.0 ]; then
		echo "PASS symbols/soname: soname $soname, liblmonster.so -> liblmonster.so.0 -> $(basename "$LIB_SO")"
	else
		echo "FAIL symbols/soname: soname '$soname' or symlinks wrong"
	fi
}

pkgconfig() {
	local stage="$BUILD/stage" ex="$BUILD/unit/example_consumer" ring="$BUILD/unit/example.ring"
	local f missing="" cflags libs
	rm -rf "$stage"
	# UNIT_INSTALL_GOALS narrows the install for debugging (default: the whole `make install`)
	# shellcheck disable=SC2086
	if ! "$MAKE" -C "$TOP" --no-print-directory ${UNIT_INSTALL_GOALS:-install} DESTDIR="$stage" PREFIX=/usr >"$log.inst" 2>&1; then
		echo "FAIL pkgconfig/install: make install failed: $(tail -n 5 "$log.inst")"
		return 1
	fi
	for f in "usr/lib/${LIB_SO##*/}" usr/lib/liblmonster.so.0 usr/lib/liblmonster.so \
		usr/include/lmonster/lmonster.h usr/include/lmonster/monster.h \
		usr/lib/liblmonster.a usr/lib/pkgconfig/lmonster.pc usr/bin/monsterctl \
		usr/share/man/man8/monsterctl.8 usr/bin/monster-exporter \
		usr/share/man/man8/monster-exporter.8; do
		[ -e "$stage/$f" ] || missing="$missing $f"
	done
	[ -z "$missing" ] && echo "PASS pkgconfig/install: make install DESTDIR=build/stage PREFIX=/usr: library, links, headers, .pc, monsterctl, monster-exporter, man pages" ||
		echo "FAIL pkgconfig/install: missing:$missing"
	export PKG_CONFIG_PATH='' PKG_CONFIG_LIBDIR="$stage/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage"
	cflags=$(pkg-config --cflags lmonster) && libs=$(pkg-config --libs lmonster)
	if [ -z "${libs:-}" ]; then
		echo "FAIL pkgconfig/query: pkg-config lmonster failed"
		return 1
	fi
	# shellcheck disable=SC2086
	if ! $CC -std=c11 -Wall -Wextra -Werror -o "$ex" "$TOP/tests/unit/example_consumer.c" $cflags $libs 2>"$log.cc"; then
		echo "FAIL pkgconfig/build: cc \$(pkg-config --cflags --libs lmonster) failed: $(head -c 400 "$log.cc")"
		return 1
	fi
	if readelf -d "$ex" | grep -q 'NEEDED.*\[liblmonster.so.0\]'; then
		echo "PASS pkgconfig/build: cc example_consumer.c $cflags $libs -> NEEDED liblmonster.so.0"
	else
		echo "FAIL pkgconfig/build: example_consumer does not need liblmonster.so.0"
	fi
	"$MKRINGSET" "$ring" --slots 1024 --records 1000 >/dev/null
	local o
	o=$(LD_LIBRARY_PATH="$stage/usr/lib" "$ex" "$ring" 1000 1000 2>&1)
	if [ $? = 0 ] && printf '%s' "$o" | grep -q '^example_consumer: 1000 records from 15 rings, 0 with'; then
		echo "PASS pkgconfig/run: staged library consumed a ring set: $o"
	else
		echo "FAIL pkgconfig/run: $o"
	fi
	# static users: Libs.private must name what the archive needs
	# shellcheck disable=SC2046
	if $CC -std=c11 -Wall -Wextra -Werror -static -o "$ex.static" "$TOP/tests/unit/example_consumer.c" \
		$(pkg-config --cflags --libs --static lmonster) 2>"$log.cc" &&
		"$MKRINGSET" "$ring" --slots 1024 --records 1000 >/dev/null &&
		o=$("$ex.static" "$ring" 1000 1000 2>&1); then
		echo "PASS pkgconfig/static: cc -static \$(pkg-config --cflags --libs --static lmonster) ($(pkg-config --libs --static lmonster | xargs)): $o"
	else
		echo "FAIL pkgconfig/static: $(head -c 400 "$log.cc") $o"
	fi
	o=$("$stage/usr/bin/monsterctl" --version 2>&1)
	local found
	found=$(ldd "$stage/usr/bin/monsterctl" | awk '/liblmonster/ { print $3 }')
	if [ $? = 0 ] && [ -n "$found" ] &&
		[ "$(realpath "$found")" = "$(realpath "$stage/usr/lib/liblmonster.so.0")" ]; then
		echo "PASS pkgconfig/monsterctl: staged monsterctl finds the staged library (RUNPATH \$ORIGIN/../lib): $o"
	else
		echo "FAIL pkgconfig/monsterctl: $o / $(ldd "$stage/usr/bin/monsterctl" | grep lmonster)"
	fi
	# shellcheck disable=SC2086
	"$MAKE" -C "$TOP" --no-print-directory ${UNIT_UNINSTALL_GOALS:-uninstall} DESTDIR="$stage" PREFIX=/usr >"$log.inst" 2>&1
	local left
	left=$(find "$stage" -type f -o -type l | sed "s|^$stage/||")
	[ -z "$left" ] && echo "PASS pkgconfig/uninstall: make uninstall removed every installed file" ||
		echo "FAIL pkgconfig/uninstall: left behind: $(echo $left)"
	rm -f "$ring"
}

for s in "$@"; do
	case $s in
	native) suite native env UNIT_TAG=native "$BUILD/unit/unit" ;;
	cli) suite cli env CLI_TAG=cli bash "$TOP/tests/unit/cli.sh" ;;
	exporter) suite exporter env EXPORTER_TAG=exporter bash "$TOP/tests/unit/exporter.sh" ;;
	symbols) suite symbols symbols ;;
	asan)
		suite asan asan_env env UNIT_TAG=asan UNIT_SCALE=2 "$BUILD/asan/unit"
		suite asan-cli asan_env env CLI_TAG=asan-cli MONSTERCTL="$BUILD/asan/monsterctl" \
			bash "$TOP/tests/unit/cli.sh"
		suite asan-exporter asan_env env EXPORTER_TAG=asan-exporter EXPORTER_QUICK=1 \
			EXPORTER="$BUILD/asan/monster-exporter" bash "$TOP/tests/unit/exporter.sh"
		;;
	tsan) suite tsan tsan_run env UNIT_TAG=tsan UNIT_SCALE=3 "$BUILD/tsan/unit" ;;
	pkgconfig) suite pkgconfig pkgconfig ;;
	*) echo "FAIL run-unit/$s: unknown suite" | tee -a "$log" ;;
	esac
done
passed=$(grep -c '^PASS ' "$log")
failed=$(grep -c '^FAIL ' "$log")
echo "unit-tests: $passed passed, $failed failed"
[ "$failed" = 0 ]
