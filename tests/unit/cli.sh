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

# shellcheck source=tests/unit/cli-check.sh
. "$(dirname "$0")/cli-check.sh"
# have_python NAME: python3 is there to parse JSON, or a FAIL of NAME saying it is missing
have_python() {
	[ "$have_py" = 1 ] && return 0
	fail "$1" "python3 is missing: cannot parse the JSON (tests/setup.sh installs it)"
	return 1
}

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
	check_error "$name" "monsterctl $*" "$want" "$re"
}

# interrupt OUTFILE ARGS...: monsterctl ARGS in the background, SIGINT after 0.5 s; sets rc
# (its exit status) and ms (how long it took to end after the signal)
interrupt() {
	local outfile=$1 pid start
	shift
	"$CTL" "$@" >"$outfile" 2>&1 &
	pid=$!
	sleep 0.5
	kill -INT "$pid"
	start=$(date +%s%N)
	wait "$pid"
	rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
}

# json_check NAME PYTHON-EXPR: every line of $out parses, EXPR over list L is true
json_check() {
	local name=$1 expr=$2
	have_python "$name" || return
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
	(for c in info status start stop set stats reset dump events watch; do
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
for c in info status start stop set stats reset dump events watch; do
	run "$c" --help
	[ "$rc" = 0 ] && printf '%s' "$out" | grep -q "^usage: monsterctl \[--device PATH\] $c" || { ok=0; fail "help_$c" "rc $rc: $out $err"; }
	run --device /nonexistent "$c" --help	# help never needs the device
	[ "$rc" = 0 ] || { ok=0; fail "help_$c" "--help touched the device: $err"; }
done
run help dump
[ "$rc" = 0 ] && printf '%s' "$out" | grep -q -- '--count K' || { ok=0; fail help_cmd "help dump: $out"; }
[ "$ok" = 1 ] && pass command_help "COMMAND --help and 'help COMMAND' for all 10 commands, without touching the device"

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
	expect_error events_ring_busy 1 "events reads all 15 rings" -d "$set_a" events --seconds 0.1
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
keys="rate, scope, slots, node, changed_only, keyframe, sweep_threads, events, fault_tgid, fault_every"
expect_error set_nothing 2 "set: nothing to set: give KEY=VALUE \(keys: $keys\)" "${nodev[@]}" set
expect_error set_no_equals 2 "expected KEY=VALUE, got 'rate'" "${nodev[@]}" set rate
expect_error set_empty_key 2 "expected KEY=VALUE, got '=5'" "${nodev[@]}" set =5
expect_error set_unknown_key 2 "unknown key 'bogus' \(keys: $keys\)" "${nodev[@]}" set bogus=1
expect_error set_rate_range 2 "rate must be 1..10000 Hz \(got '0'\)" "${nodev[@]}" set rate=0
expect_error set_scope 2 "scope must be 'process' or 'thread' \(got 'tasks'\)" "${nodev[@]}" set scope=tasks
expect_error set_slots_pow2 2 "slots must be a power of two in 64..262144 \(got '100'\)" "${nodev[@]}" set slots=100
expect_error set_slots_small 2 "slots must be a power of two in 64..262144 \(got '32'\)" "${nodev[@]}" set slots=32
expect_error set_node 2 "node must be 'any' or a NUMA node number \(got 'near'\)" "${nodev[@]}" set node=near
expect_error set_twice 2 "'rate' given twice" "${nodev[@]}" set rate=10 rate=20
expect_error set_half_bad 2 "slots must be a power of two" "${nodev[@]}" set rate=100 slots=100
expect_error watch_interval 2 "interval must be 0.01..3600 seconds \(got '0'\)" "${nodev[@]}" watch --interval 0
expect_error watch_iterations_word 2 "iterations must be a positive integer" "${nodev[@]}" watch --iterations x

# --- new keys and the events command: bad values, refused before the device is touched ---
kinds_re="'none', 'all' or a list of fork, exec, exit, fault, reclaim"
expect_error set_events_word 2 "set: events must be $kinds_re \(got 'bogus'\)" "${nodev[@]}" set events=bogus
expect_error set_events_empty_name 2 "events must be $kinds_re \(got 'fork,,exec'\)" "${nodev[@]}" set events=fork,,exec
expect_error set_events_trailing 2 "events must be $kinds_re \(got 'fork,'\)" "${nodev[@]}" set events=fork,
expect_error set_events_sample 2 "events must be $kinds_re \(got 'sample'\)" "${nodev[@]}" set events=sample
expect_error set_events_none_and 2 "events must be $kinds_re \(got 'none,fork'\)" "${nodev[@]}" set events=none,fork
expect_error set_events_empty 2 "events must be $kinds_re \(got ''\)" "${nodev[@]}" set events=
expect_error set_events_twice 2 "'events' given twice" "${nodev[@]}" set events=fork events=exec
expect_error set_fault_tgid_word 2 "fault_tgid must be 0 \(every process\) or a process id \(got 'x'\)" "${nodev[@]}" set fault_tgid=x
expect_error set_fault_tgid_negative 2 "fault_tgid must be 0 .* \(got '-1'\)" "${nodev[@]}" set fault_tgid=-1
expect_error set_fault_every_big 2 "fault_every must be 0 or 1 \(every fault\) or N, one fault in N \(got '4294967296'\)" "${nodev[@]}" set fault_every=4294967296
expect_error set_fault_every_blank 2 "fault_every must be .* \(got ' 2'\)" "${nodev[@]}" set "fault_every= 2"
expect_error set_events_half_bad 2 "fault_every must be" "${nodev[@]}" set events=fork fault_every=x
kind_re="kind must be 'all' or a list of sample, fork, exec, exit, fault, reclaim"
expect_error events_kind_word 2 "events: $kind_re \(got 'bogus'\)" "${nodev[@]}" events --kind bogus
expect_error events_kind_none 2 "$kind_re \(got 'none'\)" "${nodev[@]}" events --kind none
expect_error events_kind_empty 2 "$kind_re \(got 'fork,'\)" "${nodev[@]}" events --kind fork,
expect_error events_pid_word 2 "pid must be a process id \(got 'x'\)" "${nodev[@]}" events --pid x
expect_error events_pid_big 2 "pid must be a process id \(got '4294967296'\)" "${nodev[@]}" events --pid 4294967296
expect_error events_count_zero 2 "count must be a positive integer \(got '0'\)" "${nodev[@]}" events --count 0
expect_error events_seconds_zero 2 "seconds must be a number of seconds, 0.001..1000000 \(got '0'\)" "${nodev[@]}" events --seconds 0
expect_error events_seconds_negative 2 "seconds must be .* \(got '-1'\)" "${nodev[@]}" events --seconds -1
expect_error events_count_missing 2 "option '--count' needs a value" "${nodev[@]}" events --count
expect_error events_extra_arg 2 "events: unexpected argument 'x'" "${nodev[@]}" events x
expect_error events_unknown_option 2 "events: unknown option '--ring'" "${nodev[@]}" events --ring 1

# --- events through a file set: 20 samples, then event i of kind fork, exec, exit, fault,
# reclaim for i mod 5, but a kind no release knows where i mod 7 == 6 (mkringset --events) ---
nev=70
declare -a per_kind=(0 0 0 0 0)
for ((i = 0; i < nev; i++)); do ((i % 7 == 6)) || per_kind[i % 5]=$((per_kind[i % 5] + 1)); done
known=$((per_kind[0] + per_kind[1] + per_kind[2] + per_kind[3] + per_kind[4]))
mkevents() { "$MK" "$tmp/e.ring" --slots 1024 --records 20 --events "$nev" || fail setup "mkringset e"; }
# events_check NAME SELECT: the lines of $out are exactly the events i in range(nev) for which
# SELECT (python, over i and k, the kind's name) holds, each field as mkringset wrote it
events_check() {
	local name=$1 select=$2
	have_python "$name" || return
	if printf '%s\n' "$out" | python3 -c '
import json, sys
nev, select = int(sys.argv[1]), sys.argv[2]
names = ["fork", "exec", "exit", "fault", "reclaim"]
reclaim = ["kswapd_wakes", "kswapd_sleeps", "direct_begins", "direct_ends", "direct_reclaimed",
           "folios_written", "pswpin", "pswpout", "pgsteal_kswapd", "pgsteal_direct",
           "pgscan_kswapd", "pgscan_direct", "allocstall"]
L = [json.loads(l) for l in sys.stdin.read().splitlines()]
want = [i for i in range(nev) if i % 7 != 6 and eval(select, {"i": i, "k": names[i % 5]})]
got = sorted(o["timestamp_ns"] - 2000000000 for o in L)
assert got == want, "events %s, expected %s" % (got, want)
for o in L:
    i = o["timestamp_ns"] - 2000000000
    k = names[i % 5]
    head = (o["kind"], o["pid"], o["tgid"], o["cpu"], o["comm"], o["ring"] == o["shard"])
    assert head == (k, 300 + i % 4, 300, i % 2, "ev-%d" % i, True), (i, head)
    if k == "fork":
        got = (o["parent_pid"], o["parent_tgid"], o["child_start_ns"], o["parent_start_ns"],
               o["thread"])
        assert got == (200 + i, 200, 5000 + i, 4000, i % 2 == 1), (i, got)
    elif k == "exec":
        fn = b"/tmp/we\"ird\\\xc3\xa9\x01\xff" if i % 10 == 1 else b"/usr/bin/prog-%d" % i
        assert o["filename"].encode("latin-1") == fn and o["old_pid"] == 300 + i % 4, o
    elif k == "exit":
        got = (o["exit_code"], o["signal"], o["utime_ns"], o["stime_ns"], o["runtime_ns"],
               o["min_flt"], o["maj_flt"], o["nvcsw"], o["nivcsw"], o["peak_rss_bytes"],
               o["start_time_ns"], o["group_exit"], o["thread"])
        assert got == (-1 if i % 3 == 0 else i % 256, 9 if i % 3 == 0 else 0, i * 1000,
                       i * 500, i * 1500, i, i // 2, i + 1, i + 2, (i + 1) * 4096, 7000 + i,
                       True, False), (i, got)
    elif k == "fault":
        addr, ip, user, hidden = 0x7f0000000000 + i * 4096, 0x401000 + i, True, False
        if i % 4 == 1:
            addr, user = 0xffff888000000000 + i, False
        elif i % 4 == 3:
            addr, ip, user, hidden = 0, 0, False, True
        got = (o["address"], o["ip"], o["error_code"], o["user"], o["hidden"])
        assert got == (hex(addr), hex(ip), i % 8, user, hidden), (i, got)
    else:
        assert o["interval_ns"] == 10 ** 9, o
        assert [o[n] for n in reclaim] == [i + 1 + n for n in range(13)], o
' "$nev" "$select" 2>"$tmp/pyerr"; then
		pass "$name" "JSON parsed: every event with $select, each field as written"
	else
		fail "$name" "$(tail -n 3 "$tmp/pyerr" | xargs) :: $(printf '%s' "$out" | head -c 300)"
	fi
}
mkevents
run -d "$tmp/e.ring" status
if [ "$rc" = 0 ] && printf '%s' "$out" | grep -q '^Kind sample: 20 records, dropped 0$' &&
	printf '%s' "$out" | grep -q "^Kind fork: ${per_kind[0]} records, dropped 0$" &&
	printf '%s' "$out" | grep -q "^Kind exec: ${per_kind[1]} records, dropped 0$" &&
	printf '%s' "$out" | grep -q "^Kind exit: ${per_kind[2]} records, dropped 0$" &&
	printf '%s' "$out" | grep -q "^Kind fault: ${per_kind[3]} records, dropped 0$" &&
	printf '%s' "$out" | grep -q "^Kind reclaim: ${per_kind[4]} records, dropped 0$" &&
	printf '%s' "$out" | grep -q "^Total samples: $((20 + nev)) (dropped 0)$" &&
	! printf '%s' "$out" | grep -q '^Events'; then
	pass status_kinds "a line per kind: 20 samples, ${per_kind[*]} events of 5 kinds; the $((nev - known)) of an unknown kind in the total only"
else
	fail status_kinds "rc $rc: $out $err"
fi
run -d "$tmp/e.ring" stats --json
json_check stats_json_kinds "[(k[\"kind\"], k[\"produced\"], k[\"dropped\"]) for k in L[0][\"kinds\"]] == [(\"sample\", 20, 0), (\"fork\", ${per_kind[0]}, 0), (\"exec\", ${per_kind[1]}, 0), (\"exit\", ${per_kind[2]}, 0), (\"fault\", ${per_kind[3]}, 0), (\"reclaim\", ${per_kind[4]}, 0)] and L[0][\"events\"] == [] and L[0][\"faults_seen\"] == 0"
run -d "$tmp/e.ring" events --json --seconds 0.2
if [ "$rc" != 0 ] || [ -n "$err" ]; then fail events_json "rc $rc: $err"; fi
events_check events_json "True"
run -d "$tmp/e.ring" stats --json
json_check events_consumed_all 'all(r["fill"] == 0 for r in L[0]["rings"])'
mkevents
run -d "$tmp/e.ring" events --json --kind exec,exit --pid 301 --seconds 0.2
events_check events_kind_pid 'k in ("exec", "exit") and i % 4 == 1'
mkevents
run -d "$tmp/e.ring" events --json --count 5
if [ "$rc" = 0 ] && [ -z "$err" ] && [ "$(printf '%s\n' "$out" | grep -c '^{')" = 5 ]; then
	pass events_count "--count 5: 5 events, then done"
else
	fail events_count "rc $rc: $err $(printf '%s' "$out" | head -c 200)"
fi
run -d "$tmp/e.ring" events --kind sample --json --count 3
json_check events_samples 'len(L) == 3 and all(o["kind"] == "sample" and o["syscall"] == -1 and o["rip"].startswith("0x") for o in L)'
mkevents
run -d "$tmp/e.ring" events --count 100 --seconds 0.2
rows=$(printf '%s\n' "$out" | grep -Ec '^ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+ +30[0-3] +300 +[01] - ev-[0-9]+ +- +- +- +[0-9]+ (fork|exec|exit|fault|reclaim)( [a-z_]+=[^ ]+)+$')
if [ "$rc" = 0 ] && [ "$rows" = "$known" ] && printf '%s' "$out" | head -1 | grep -q '^RING PRIME.* KIND$' &&
	printf '%s' "$out" | grep -q ' exec old_pid=300 filename=/usr/bin/prog-16$' &&
	printf '%s' "$out" | grep -q ' exec old_pid=301 filename=/tmp/we"ird\\????$' &&
	[ "$err" = "monsterctl: events: only $known of 100 records arrived within 0.2 s" ]; then
	pass events_text "$known table rows with each kind's fields, then: $err"
else
	fail events_text "rc $rc ($rows of $known rows): $err $(printf '%s' "$out" | head -c 300)"
fi
mkevents
interrupt "$tmp/events.out" -d "$tmp/e.ring" events
if [ "$rc" = 0 ] && [ "$ms" -lt 1500 ] && [ "$(grep -c ' ev-[0-9]' "$tmp/events.out")" = "$known" ]; then
	pass events_sigint "without --count or --seconds: $known events, then SIGINT ended it cleanly (exit 0) in $ms ms"
else
	fail events_sigint "rc $rc after $ms ms: $(head -c 200 "$tmp/events.out")"
fi
mkevents
run -d "$tmp/e.ring" dump --json
json_check dump_json_kinds "len(L) == 20 + $known and sorted({o[\"kind\"] for o in L}) == [\"exec\", \"exit\", \"fault\", \"fork\", \"reclaim\", \"sample\"] and all((\"syscall\" in o) == (o[\"kind\"] == \"sample\") for o in L)"
expect_error file_set_events 1 "set: .*not supported on a file-backed ring set" -d "$tmp/e.ring" set events=fork
# a ring set of ABI 1.2, from before record kinds: info's minor and features, the shared header's minor
cp "$set_b" "$tmp/old.ring"
page=$(getconf PAGESIZE)
printf '\002' | dd of="$tmp/old.ring" bs=1 seek=212 conv=notrunc status=none
printf '\000' | dd of="$tmp/old.ring" bs=1 seek=216 conv=notrunc status=none
printf '\002' | dd of="$tmp/old.ring" bs=1 seek=$((2 * page + 20)) conv=notrunc status=none
expect_error events_old_file 1 "does not provide record kinds .*feature events, ABI 1.3" -d "$tmp/old.ring" events --seconds 0.1
run -d "$tmp/old.ring" status
if [ "$rc" = 0 ] && [ "$(printf '%s\n' "$out" | grep -Ec '^Prime ')" = 15 ] && ! printf '%s' "$out" | grep -q '^Kind'; then
	pass status_old_file "ABI 1.2 file: the status without kind lines"
else
	fail status_old_file "rc $rc: $out $err"
fi

# --- watch ---
run -d "$set_a" watch --interval 0.05 --iterations 3
if [ "$rc" = 0 ] && [ "$(printf '%s\n' "$out" | grep -c '^=== Monster Process Sampler Statistics ===')" = 3 ] &&
	[ "$(printf '%s\n' "$out" | grep -Ec '^Prime +[0-9]+ \(shard +[0-9]+\): .*/s$')" = 45 ]; then
	pass watch_iterations "3 refreshes of 15 ring lines with rates"
else
	fail watch_iterations "rc $rc: $(printf '%s' "$out" | head -5) $err"
fi
interrupt "$tmp/watch.out" -d "$set_a" watch
if [ "$rc" = 0 ] && [ "$ms" -lt 1500 ] && grep -q '^Prime  2' "$tmp/watch.out"; then
	pass watch_sigint "SIGINT ended watch cleanly (exit 0) in $ms ms"
else
	fail watch_sigint "rc $rc after $ms ms: $(head -c 200 "$tmp/watch.out")"
fi

exit $failed
