# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154 # failed, rc, out and err belong to the sourcing script
# SPDX-License-Identifier: GPL-2.0
# What the command-line test scripts (cli.sh, exporter.sh) share: their PASS/FAIL lines and
# the check of a failing command. Sourced after TAG is set; fail sets failed=1.

pass() { echo "PASS $TAG/$1: $2"; }
fail() { echo "FAIL $TAG/$1: $2"; failed=1; }

# check_error NAME CMD WANT REGEX: the command CMD (as the messages name it), whose status,
# stdout and stderr the caller left in rc, out and err, exited WANT with one line on stderr
# matching REGEX and printed nothing on stdout
check_error() {
	local name=$1 cmd=$2 want=$3 re=$4 lines
	lines=$(printf '%s' "$err" | grep -c '')
	if [ "$rc" != "$want" ]; then
		fail "$name" "$cmd exited $rc, expected $want (stderr: $err)"
	elif [ "$lines" != 1 ]; then
		fail "$name" "$cmd: $lines lines on stderr, expected one: $err"
	elif ! printf '%s' "$err" | grep -Eq -- "$re"; then
		fail "$name" "$cmd: stderr '$err' does not match /$re/"
	elif [ -n "$out" ]; then
		fail "$name" "$cmd: printed on stdout before failing: $out"
	else
		pass "$name" "$cmd -> exit $rc: $err"
	fi
}
