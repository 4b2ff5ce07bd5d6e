#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs the GPU consumer's unit tests (make gpu-unit-tests): the native build, then the
# ASan/UBSan build, each with its own monster-gpu-consumer. Prints every PASS/FAIL line,
# a FAIL line for a run that a sanitizer flagged or that died without saying why, and
# exits 1 on any failure.
#   run-gpu-tests.sh NATIVE_TEST NATIVE_TOOL ASAN_TEST ASAN_TOOL [FAKE_LIBCUDA]
set -u
native=$1 native_tool=$2 asan=$3 asan_tool=$4 fake=${5:-}
err=$(mktemp /tmp/gpu-tests.XXXXXX)
trap 'rm -f "$err"' EXIT
rc=0

run() {
	local tag=$1 bin=$2 tool=$3 r
	shift 3
	UNIT_TAG=$tag "$@" "$bin" --tool "$tool" ${fake:+--fake-cuda "$fake"} 2>"$err" | tee "$err.out"
	r=${PIPESTATUS[0]}
	if grep -Eq '(AddressSanitizer|LeakSanitizer|runtime error:)' "$err"; then
		echo "FAIL $tag/sanitizer: report on stderr:"
		grep -E -m 10 -A 12 '(AddressSanitizer|LeakSanitizer|runtime error:)' "$err" | sed 's/^/    /'
		r=1
	elif [ "$r" != 0 ] && ! grep -q '^FAIL ' "$err.out"; then
		echo "FAIL $tag/exit: exited $r without a FAIL line; its stderr:"
		tail -n 20 "$err" | sed 's/^/    /'
	fi
	grep -E '^test_gpu_cpu\(' "$err" >&2
	rm -f "$err.out"
	[ "$r" = 0 ] || rc=1
}

run native "$native" "$native_tool" env
run asan "$asan" "$asan_tool" env ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
exit $rc
