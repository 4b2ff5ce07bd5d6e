#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# monsterctl's argument parsing, output and error messages, against file-backed ring sets.
# Env: MONSTERCTL, MKRINGSET (test helper), CLI_TAG (prefix of the PASS/FAIL names).
# Prints PASS/FAIL lines; exit 1 on any FAIL.
set -u

CTL=${MONSTERCTL:?MONSTERCTL not set}
MK=${MKRINGSET:?MKRINGSET not set}
TAG=${CLI_TAG:-cli}
tmp=$(mktemp -d /tmp/monsterctl-cli.XXXXXX)
hold_pid=
cleanup() {
	[ -n "$hold_pid" ] && kill "$hold_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
failed=0
# the JSON checks parse with python3's json module (tests/setup.sh installs python3)
have_py=0
command -v python3 >/dev/null 2>&1 && have_py=1

pass() { echo "PASS $TAG/$1: $2"; }
fail() { echo "FAIL $TAG/$1: $2"; failed=1; }

# run ARGS...: sets out, err, rc
run() {
	"$CTL" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

# expect_error NAME RC REGEX ARGS...: exit RC, one line on stderr matching REGEX, nothing on stdout
expect_error() {
	local name=$1 want=$2 re=$3
	shift 3
	run "$@"
	local lines
	lines=$(printf '%s' "$err" | grep -c '')
	if [ "$rc" != "$want" ]; then
		fail "$name" "monsterctl $* exited $rc, expected $want (stderr: $err)"
	elif [ "$lines" != 1 ]; then
		fail "$name" "monsterctl $*: $lines lines on stderr, expected one: $err"
	elif ! printf '%s' "$err" | grep -Eq -- "$re"; then
		fail "$name" "monsterctl $*: stderr '$err' does not match /$re/"
	elif [ -n "$out" ]; then
		fail "$name" "monsterctl $*: printed on stdout before failing: $out"
	else
		pass "$name" "monsterctl $* -> exit $rc: $err"
	fi
}

# json_check NAME PYTHON-EXPR: every line of $out parses, EXPR over list L is true
json_check() {
	local name=$1 expr=$2
	if [ "$have_py" = 0 ]; then
		fail "$name" "python3 is missing: cannot parse the JSON (tests/setup.sh installs it)"
		return
	fi
	if printf '%s\n' "$out" | python3 -c '
import json, sys
L = [json.loads(l) for l in sys.stdin.read().splitlines()]
sys.exit(0 if ('"$expr"') else 1)' 2>"$tmp/pyerr"; then
		pass "$name" "JSON parsed, $expr"
	else
		fail "$name" "JSON check failed ($expr): $(head -c 300 "$tmp/pyerr") :: $(printf '%s' "$out" | head -c 300)"
	fi
}

set_a="$tmp/a.ring"   # 100 records into ring 0 (64 slots): 64 kept, 36 dropped
set_b="$tmp/b.ring"   # 500 records sharded over the rings
"$MK" "$set_a" --slots 64 --records 100 --ring 0 --sweeps 3 || fail setup "mkringset a"
"$MK" "$set_b" --slots 1024 --records 500 || fail setup "mkringset b"

# --- global options ---
run --version
if [ "$rc" = 0 ] && printf '%s' "$out" | grep -Eq '^monsterctl [0-9.]+ \(liblmonster [0-9.]+, monster ABI [0-9]+\.[0-9]+\)$'; then
	pass version "$out"
else
	fail version "rc $rc: $out $err"
fi
run --help
if [ "$rc" = 0 ] && printf '%s' "$out" | grep -q '^commands:' &&
	(for c in info status start stop set stats reset dump watch; do
		printf '%s' "$out" | grep -Eq "^  $c " || exit 1
	done); then
	pass help "--help lists every command"
else
	fail help "rc $rc: $out"
fi
run
if [ "$rc" = 2 ] && printf '%s' "$err" | grep -q '^usage:' && [ -z "$out" ]; then
	pass no_command "no command: usage on stderr, exit 2"
else
	fail no_command "rc $rc out '$out'"
fi
ok=1
for c in info status start stop set stats reset dump watch; do
	run "$c" --help
	[ "$rc" = 0 ] && printf '%s' "$out" | grep -q "^usage: monsterctl \[--device PATH\] $c" || { ok=0; fail "help_$c" "rc $rc: $out $err"; }
	run --device /nonexistent "$c" --help	# help never needs the device
	[ "$rc" = 0 ] || { ok=0; fail "help_$c" "--help touched the device: $err"; }
done
run help dump
[ "$rc" = 0 ] && printf '%s' "$out" | grep -q -- '--count K' || { ok=0; fail help_cmd "help dump: $out"; }
[ "$ok" = 1 ] && pass command_help "COMMAND --help and 'help COMMAND' for all 9 commands, without touching the device"

expect_error unknown_command 2 "^monsterctl: unknown command 'bogus' \(see monsterctl --help\)$" bogus
expect_error unknown_option 2 "unknown option '--bogus'" --bogus status
expect_error device_needs_path 2 "option '--device' needs a path" --device
expect_error device_missing 1 "/nonexistent/ring: no such file" --device /nonexistent/ring status
expect_error device_not_monster 1 "not a monster device" --device /dev/null info
expect_error device_directory 1 "not a monster device" --device /tmp status
if [ ! -e /dev/monster ]; then
	expect_error module_not_loaded 1 "/dev/monster not found: is the monster module loaded\? \(modprobe monster\)" status
fi
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	# uid 65534 runs a copy in $tmp: the checkout (and the liblmonster.so.0 the build's
	# RUNPATH names) may be under a directory only root can enter, such as /root
	mkdir -p "$tmp/bin" "$tmp/lib"
	cp "$CTL" "$tmp/bin/monsterctl"
	lib=$(ldd "$CTL" | awk '$1 == "liblmonster.so.0" { print $3 }')
	[ -z "$lib" ] || cp "$lib" "$tmp/lib/liblmonster.so.0"
	chmod -R a+rX "$tmp" && cp "$set_a" "$tmp/private.ring" && chmod 600 "$tmp/private.ring"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/bin/monsterctl" --device "$tmp/private.ring" status 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" = 1 ] && printf '%s' "$out" | grep -q "permission denied: .*udev rule grants a group"; then
		pass permission_denied "$out"
	else
		fail permission_denied "rc $rc: $out"
	fi
fi

# --- info / status / stats ---
run --device "$set_a" info
if [ "$rc" = 0 ] && printf '%s' "$out" | grep -q '^kind  *file-backed ring set$' &&
	printf '%s' "$out" | grep -Eq '^abi  *[0-9]+\.[0-9]+ \(liblmonster [0-9.]+\)$' &&
	printf '%s' "$out" | grep -Eq '^features  *(none|[a-z_ ]+)$' &&
	printf '%s' "$out" | grep -q '^rings  *15 x 64 slots x 192 bytes' &&
	printf '%s' "$out" | grep -q '^primes  *2 3 5 7 11 13 17 19 23 29 31 41 47 59 71$'; then
	pass info "layout of a 64-slot file set"
else
	fail info "rc $rc: $out $err"
fi
run -d "$set_a" status
lines=$(printf '%s\n' "$out" | grep -Ec '^Prime +[0-9]+ \(shard +[0-9]+\): [0-9]+ samples, ring: [0-9]+/64, dropped [0-9]+$')
if [ "$rc" = 0 ] && [ "$lines" = 15 ] &&
	printf '%s' "$out" | grep -q '^=== Monster Process Sampler Statistics ===$' &&
	printf '%s' "$out" | grep -q '^Prime  2 (shard  0): 100 samples, ring: 64/64, dropped 36$' &&
	printf '%s' "$out" | grep -q '^Total samples: 100 (dropped 36)$' &&
	printf '%s' "$out" | grep -q '^Sweeps: 3, overruns 0'; then
	pass status "15 per-ring statistics lines; ring 0: 100 samples, 64/64, 36 dropped"
else
	fail status "rc $rc ($lines ring lines): $out $err"
fi
run -d "$set_a" stats
if [ "$rc" = 0 ] && printf '%s' "$out" | grep -Eq '^ +0 +2 +64 +100 +36 +64 +0 +64 +0$'; then
	pass stats_table "ring 0: produced 100, dropped 36, head 64, tail 0, fill 64"
else
	fail stats_table "rc $rc: $out $err"
fi
run -d "$set_b" stats --json
json_check stats_json 'len(L) == 1 and len(L[0]["rings"]) == 15 and sum(r["produced"] for r in L[0]["rings"]) == 500 and L[0]["file_backed"] and L[0]["tasks_sampled"] == 500 and [r["prime"] for r in L[0]["rings"]][-1] == 71'

# --- dump: prints, then releases like a consumer ---
run -d "$set_a" dump --ring 0 --count 3
if [ "$rc" = 0 ] && [ "$(printf '%s\n' "$out" | grep -Ec '^ +0 +2 +[0-2] ')" = 3 ] &&
	printf '%s' "$out" | grep -q '^(3 records)$' && printf '%s' "$out" | head -1 | grep -q '^RING PRIME'; then
	pass dump_table "3 records, seq 0..2, with header"
else
	fail dump_table "rc $rc: $out $err"
fi
run -d "$set_a" dump --ring 0 --count 2 --json
json_check dump_json_advances 'len(L) == 2 and [r["seq"] for r in L] == [3, 4] and L[0]["ring"] == 0 and L[0]["rip"].startswith("0x")'
run -d "$set_a" stats --json
json_check dump_moved_tail 'L[0]["rings"][0]["tail"] == 5 and L[0]["rings"][0]["fill"] == 59'
run -d "$set_b" dump --json
json_check dump_all_json 'len(L) == 500 and all(r["ring"] == r["shard"] for r in L) and len({r["rbx"] for r in L}) == 500 and any("\"" in r["comm"] and "\\" in r["comm"] for r in L)'
run -d "$set_b" stats --json
json_check dump_drained 'all(r["fill"] == 0 for r in L[0]["rings"])'
# comm is kernel bytes: every byte value (but NUL, the terminator) 15 to a record, and a
# name with quotes, a backslash, controls, invalid and valid UTF-8. Each line must be
# printable ASCII that a JSON parser reads back to the same bytes (code point = byte).
comms=()
for ((b = 1; b < 256; b += 15)); do
	hex=
	for ((k = b; k < b + 15 && k < 256; k++)); do hex+=$(printf '%02x' "$k"); done
	comms+=("$hex")
done
comms+=(225c0a091b017fc328ffe282c3a95c)
set_c="$tmp/c.ring"
comm_args=()
for hex in "${comms[@]}"; do comm_args+=(--comm "$hex"); done
"$MK" "$set_c" --slots 64 --records ${#comms[@]} "${comm_args[@]}" || fail setup "mkringset c"
"$CTL" -d "$set_c" dump --json >"$tmp/comm.json" 2>"$tmp/err"
rc=$?
if [ "$have_py" = 0 ]; then
	fail dump_json_comm_bytes "python3 is missing: cannot parse the JSON (tests/setup.sh installs it)"
elif [ "$rc" = 0 ] && python3 -c '
import json, sys
raw = open(sys.argv[1], "rb").read()
odd = sorted({c for c in raw if c >= 0x7f or (c < 0x20 and c != 0x0a)})
if odd:
    sys.exit("bytes outside printable ASCII: %s" % odd)
got = sorted(json.loads(l)["comm"].encode("latin-1") for l in raw.splitlines())
want = sorted(bytes.fromhex(h) for h in sys.argv[2:])
if got != want:
    sys.exit("comm bytes differ: %r != %r" % (got, want))' "$tmp/comm.json" "${comms[@]}" 2>"$tmp/pyerr"; then
	pass dump_json_comm_bytes "${#comms[@]} comms holding every byte 1..255: printable ASCII, parsed back to the same bytes"
else
	fail dump_json_comm_bytes "rc $rc: $(cat "$tmp/err" "$tmp/pyerr" | head -c 400)"
fi
run -d "$set_b" dump --count 1 --timeout 100
if [ "$rc" = 0 ] && printf '%s' "$err" | grep -q 'only 0 of 1 records arrived within 100 ms'; then
	pass dump_timeout "empty set: waited 100 ms, said so"
else
	fail dump_timeout "rc $rc: $err"
fi
expect_error dump_ring_range 2 "dump: ring must be 0..14 \(got '15'\) \(see monsterctl dump --help\)" -d "$set_a" dump --ring 15
expect_error dump_ring_word 2 "ring must be 0..14 \(got 'x'\)" -d "$set_a" dump --ring x
expect_error dump_ring_missing 2 "option '--ring' needs a value" -d "$set_a" dump --ring
expect_error dump_count_zero 2 "count must be a positive integer \(got '0'\)" -d "$set_a" dump --count 0
expect_error dump_count_negative 2 "count must be a positive integer \(got '-1'\)" -d "$set_a" dump --count -1
expect_error dump_timeout_word 2 "timeout must be milliseconds" -d "$set_a" dump --timeout soon
expect_error dump_unknown_option 2 "dump: unknown option '--bogus'" -d "$set_a" dump --bogus
expect_error dump_extra_arg 2 "dump: unexpected argument 'extra'" -d "$set_a" dump extra
expect_error status_extra_arg 2 "status: unexpected argument 'x'" -d "$set_a" status x

# one consumer per ring, across processes
coproc HOLD { "$MK" "$set_a" --hold 0; }
hold_pid=$HOLD_PID
read -r -t 5 held <&"${HOLD[0]}"
if [ "${held:-}" = held ]; then
	expect_error dump_ring_busy 1 "a ring is being consumed by another program" -d "$set_a" dump --ring 0
	run -d "$set_a" dump --ring 1
	[ "$rc" = 0 ] && pass dump_other_ring "ring 1 is free while ring 0 is held" || fail dump_other_ring "rc $rc: $err"
else
	fail dump_ring_busy "holder did not start"
fi
kill "$hold_pid" 2>/dev/null
wait "$hold_pid" 2>/dev/null
hold_pid=

# --- control on a file set: refused, nothing changed ---
for c in start stop reset; do
	expect_error "file_$c" 1 "$c: .*not supported on a file-backed ring set" -d "$set_a" "$c"
done
expect_error file_set 1 "set: .*not supported on a file-backed ring set" -d "$set_a" set rate=50
expect_error file_start_rate 1 "start: .*not supported on a file-backed ring set" -d "$set_a" start --rate 50

# --- bad input is refused before the device is touched (--device does not exist) ---
nodev=(--device /nonexistent/monster)
expect_error start_rate_zero 2 "start: rate must be 1..10000 Hz \(got '0'\)" "${nodev[@]}" start --rate 0
expect_error start_rate_high 2 "rate must be 1..10000 Hz \(got '10001'\)" "${nodev[@]}" start --rate 10001
expect_error start_rate_word 2 "rate must be 1..10000 Hz \(got 'fast'\)" "${nodev[@]}" start --rate fast
expect_error start_rate_missing 2 "option '--rate' needs a value" "${nodev[@]}" start --rate
expect_error set_nothing 2 "set: nothing to set: give KEY=VALUE \(keys: rate, scope, slots, node, changed_only, keyframe, sweep_threads\)" "${nodev[@]}" set
expect_error set_no_equals 2 "expected KEY=VALUE, got 'rate'" "${nodev[@]}" set rate
expect_error set_empty_key 2 "expected KEY=VALUE, got '=5'" "${nodev[@]}" set =5
expect_error set_unknown_key 2 "unknown key 'bogus' \(keys: rate, scope, slots, node, changed_only, keyframe, sweep_threads\)" "${nodev[@]}" set bogus=1
expect_error set_rate_range 2 "rate must be 1..10000 Hz \(got '0'\)" "${nodev[@]}" set rate=0
expect_error set_scope 2 "scope must be 'process' or 'thread' \(got 'tasks'\)" "${nodev[@]}" set scope=tasks
expect_error set_slots_pow2 2 "slots must be a power of two in 64..262144 \(got '100'\)" "${nodev[@]}" set slots=100
expect_error set_slots_small 2 "slots must be a power of two in 64..262144 \(got '32'\)" "${nodev[@]}" set slots=32
expect_error set_node 2 "node must be 'any' or a NUMA node number \(got 'near'\)" "${nodev[@]}" set node=near
expect_error set_twice 2 "'rate' given twice" "${nodev[@]}" set rate=10 rate=20
expect_error set_half_bad 2 "slots must be a power of two" "${nodev[@]}" set rate=100 slots=100
expect_error watch_interval 2 "interval must be 0.01..3600 seconds \(got '0'\)" "${nodev[@]}" watch --interval 0
expect_error watch_iterations_word 2 "iterations must be a positive integer" "${nodev[@]}" watch --iterations x

# --- watch ---
run -d "$set_a" watch --interval 0.05 --iterations 3
if [ "$rc" = 0 ] && [ "$(printf '%s\n' "$out" | grep -c '^=== Monster Process Sampler Statistics ===')" = 3 ] &&
	[ "$(printf '%s\n' "$out" | grep -Ec '^Prime +[0-9]+ \(shard +[0-9]+\): .*/s$')" = 45 ]; then
	pass watch_iterations "3 refreshes of 15 ring lines with rates"
else
	fail watch_iterations "rc $rc: $(printf '%s' "$out" | head -5) $err"
fi
"$CTL" -d "$set_a" watch >"$tmp/watch.out" 2>&1 &
wpid=$!
sleep 0.5
kill -INT "$wpid"
start=$(date +%s%N)
wait "$wpid"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$rc" = 0 ] && [ "$ms" -lt 1500 ] && grep -q '^Prime  2' "$tmp/watch.out"; then
	pass watch_sigint "SIGINT ended watch cleanly (exit 0) in $ms ms"
else
	fail watch_sigint "rc $rc after $ms ms: $(head -c 200 "$tmp/watch.out")"
fi

exit $failed
