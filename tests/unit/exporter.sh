#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# monster-exporter against file-backed ring sets written in real time by a known producer
# (exporter_feed): its options and errors, /metrics checked by promtool, the values, the
# --top folding, clients that stall or crowd it, a real Prometheus server scraping it, and
# the landing page in headless Chromium.
# Env: EXPORTER, EXPORTER_FEED, MKRINGSET (test helpers), EXPORTER_TAG (prefix of the
# PASS/FAIL names), EXPORTER_QUICK=1: leave out Prometheus and Chromium (the sanitizer run).
# Prints PASS/FAIL lines; exit 1 on any FAIL.
set -u

EXP=${EXPORTER:?EXPORTER not set}
FEED=${EXPORTER_FEED:?EXPORTER_FEED not set}
MK=${MKRINGSET:?MKRINGSET not set}
TAG=${EXPORTER_TAG:-exporter}
QUICK=${EXPORTER_QUICK:-0}
tmp=$(mktemp -d /tmp/monster-exporter-test.XXXXXX)
pids=()
failed=0
cleanup() {
	local p
	for p in ${pids[@]+"${pids[@]}"}; do kill "$p" 2>/dev/null; done
	for p in ${pids[@]+"${pids[@]}"}; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# shellcheck source=tests/unit/cli-check.sh
. "$(dirname "$0")/cli-check.sh"
# Debian's python3 (tests/setup.sh installs it and python3-pil); another one first on PATH
# may lack PIL
py=/usr/bin/python3
[ -x "$py" ] || py=python3

# a TCP port nobody listens on now
free_port() {
	"$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# expect_error NAME RC REGEX ARGS...: exit RC, one line on stderr matching REGEX, nothing on stdout
expect_error() {
	local name=$1 want=$2 re=$3 rc out err
	shift 3
	timeout 10 "$EXP" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
	check_error "$name" "monster-exporter $*" "$want" "$re"
}

# start_feed NAME ARGS...: exporter_feed writing $tmp/NAME.ring in the background
start_feed() {
	local name=$1
	shift
	"$FEED" "$tmp/$name.ring" "$@" >"$tmp/$name.feed" 2>&1 &
	pids+=($!)
	for _ in $(seq 50); do [ -s "$tmp/$name.ring" ] && return 0; sleep 0.1; done
	fail "$name" "exporter_feed did not create its ring set: $(cat "$tmp/$name.feed")"
	return 1
}

# start_exporter NAME ARGS...: the exporter in the background on a free port; sets port,
# exp_pid; waits until /healthz answers 200
start_exporter() {
	local name=$1
	shift
	port=$(free_port)
	"$EXP" --listen "127.0.0.1:$port" "$@" >"$tmp/$name.exp" 2>&1 &
	exp_pid=$!
	pids+=("$exp_pid")
	for _ in $(seq 100); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ] &&
			return 0
		sleep 0.1
	done
	fail "$name" "the exporter did not answer /healthz within 10 s: $(cat "$tmp/$name.exp")"
	return 1
}

# stop_exporter NAME: SIGTERM; it must exit 0 with nothing on stderr (sanitizer reports included)
stop_exporter() {
	local rc
	kill -TERM "$exp_pid"
	wait "$exp_pid"
	rc=$?
	if [ "$rc" = 0 ] && [ ! -s "$tmp/$1.exp" ]; then
		pass "$1-exit" "SIGTERM: exit 0, nothing on stderr"
	else
		fail "$1-exit" "SIGTERM: exit $rc: $(head -c 2000 "$tmp/$1.exp")"
	fi
}

metrics() { curl -s "http://127.0.0.1:$port/metrics"; }
# value SERIES FILE: the value of the sample whose name and labels are exactly SERIES
value() { awk -v s="$1" '$1 == s { print $2 }' "$2"; }
# dropped_total: records the rings dropped, all rings
dropped_total() { metrics | awk '/^monster_ring_records_dropped_total/ { n += $2 } END { print n + 0 }'; }

# --- options and errors: refused before anything is opened -----------------------------------
if out=$("$EXP" --version 2>&1) && printf '%s' "$out" | grep -Eq '^monster-exporter [0-9.]+ \(liblmonster [0-9.]+, monster ABI [0-9]+\.[0-9]+\)$'; then
	pass version "$out"
else
	fail version "$out"
fi
if out=$("$EXP" --help 2>&1) && (for o in --listen --device --group-by --top --user /metrics /healthz; do
	printf '%s' "$out" | grep -q -- "$o" || exit 1
done); then
	pass help "--help names every option and page"
else
	fail help "$out"
fi
expect_error unknown_option 2 "^monster-exporter: unknown option '--bogus' \(see monster-exporter --help\)$" --bogus
expect_error extra_argument 2 "unexpected argument 'extra'" extra
expect_error top_zero 2 "top must be 1..1000 \(got '0'\)" --top 0
expect_error top_big 2 "top must be 1..1000 \(got '1001'\)" --top 1001
expect_error top_word 2 "top must be 1..1000 \(got 'x'\)" --top x
expect_error top_missing 2 "option '--top' needs a value" --top
expect_error group_by 2 "group-by must be comm, exe, user or cgroup \(got 'pid'\)" --group-by pid
expect_error listen_no_port 2 "listen must be ADDR:PORT or \[IPv6\]:PORT, port 1..65535 \(got '127.0.0.1'\)" --listen 127.0.0.1
expect_error listen_port_zero 2 "listen must be .* \(got '127.0.0.1:0'\)" --listen 127.0.0.1:0
expect_error listen_port_big 2 "listen must be .* \(got ':65536'\)" --listen :65536
expect_error listen_v6_brackets 2 "listen must be .* \(got '::1:9477'\)" --listen ::1:9477
expect_error user_unknown 2 "no such user 'no-such-user-here'" --user no-such-user-here
expect_error device_empty 2 "--device needs a path" --device ""
expect_error device_missing 1 "/nonexistent/ring: no such file" --device /nonexistent/ring
expect_error device_not_monster 1 "/dev/null: .*not a monster device" --device /dev/null

"$MK" "$tmp/held.ring" --slots 64 --records 10 || fail setup "mkringset"
coproc HOLD { "$MK" "$tmp/held.ring" --hold 3; }
hold_pid=$HOLD_PID
read -r -t 5 held <&"${HOLD[0]}"
if [ "${held:-}" = held ]; then
	expect_error ring_busy 1 "a ring is being consumed by another program" --device "$tmp/held.ring" --listen "127.0.0.1:$(free_port)"
else
	fail ring_busy "the ring holder did not start"
fi
kill "$hold_pid" 2>/dev/null
wait "$hold_pid" 2>/dev/null
busy_port=$(free_port)
"$py" -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); print("up", flush=True); time.sleep(30)' "$busy_port" >"$tmp/squat" &
squat=$!
pids+=("$squat")
for _ in $(seq 50); do grep -q up "$tmp/squat" && break; sleep 0.1; done
expect_error listen_in_use 1 "cannot listen on 127.0.0.1:$busy_port: Address already in use" --device "$tmp/held.ring" --listen "127.0.0.1:$busy_port"
kill "$squat" 2>/dev/null

# --- one run: 40 tasks, 30 comms, a group whose task ends every second (with events) --------
t_feed=$(date +%s.%N)
# a second of sweeps waits in the rings when the exporter starts: it reads each task's
# records out of order
if start_feed basic --tasks 40 --comms 30 --churn --events && sleep 1 &&
	start_exporter basic --device "$tmp/basic.ring" --top 5; then
	sleep 1.5
	metrics >"$tmp/m1"
	if command -v promtool >/dev/null 2>&1; then
		lint=$(promtool check metrics <"$tmp/m1" 2>&1)
		rc=$?
		n=$(grep -vc '^#' "$tmp/m1")
		if [ "$rc" = 0 ] && [ "$n" -gt 100 ]; then
			pass promtool "promtool check metrics: no complaint about $n samples"
		else
			fail promtool "rc $rc, $n samples: $lint"
		fi
	else
		fail promtool "promtool is missing (tests/setup.sh installs the prometheus package)"
	fi
	b=monster_group_
	# the gauges of one moment; a scrape may fall between the churn task's exit and its
	# successor's first record (other rings), so up to three tries
	gauges=0
	for _ in 1 2 3; do
		[ "$(grep -c "^${b}cpu_seconds_total{" "$tmp/m1")" = 12 ] &&
			[ "$(value "${b}processes{group=\"busy\"}" "$tmp/m1")" = 2 ] &&
			[ "$(value "${b}threads{group=\"busy\"}" "$tmp/m1")" = 2 ] &&
			[ "$(value "${b}resident_bytes{group=\"busy\"}" "$tmp/m1")" = 209715200 ] &&
			[ "$(value "${b}processes{group=\"churn\"}" "$tmp/m1")" = 1 ] &&
			[ "$(value "${b}processes{group=\"other\"}" "$tmp/m1")" = 34 ] &&
			[ "$(value monster_exporter_tasks "$tmp/m1")" = 40 ] &&
			[ "$(value monster_exporter_groups "$tmp/m1")" = 32 ] && gauges=1 && break
		sleep 0.3
		metrics >"$tmp/m1"
	done
	if [ "$gauges" = 1 ]; then
		pass gauges "busy: 2 processes, 2 threads, 200 MiB; churn 1 process; 5 groups + other (34 processes); 40 tasks, 32 groups tracked"
	else
		fail gauges "$(grep -E "processes|threads\{group=\"busy|resident_bytes\{group=\"busy|exporter_" "$tmp/m1" | grep -v '^#' | xargs)"
	fi
	if grep -Eiq 'pid=|0x[0-9a-f]|tgid|rip|rsp' "$tmp/m1"; then
		fail no_pids "a pid, address or register in /metrics: $(grep -Ei 'pid=|0x|tgid|rip|rsp' "$tmp/m1" | head -3)"
	else
		pass no_pids "no pid label, no address, no register"
	fi
	# counters against what the producer wrote (exact functions of its clock): busy's two
	# tasks use 0.5 user CPU-s/s together since the feed began (its records read out of
	# order across the rings: counted twice, it would show more), system 0.4 of that,
	# 1000 faults per 0.25 user-second
	life=$(echo "$(date +%s.%N) $t_feed" | awk '{ print $1 - $2 }')
	u=$(value "${b}cpu_seconds_total{group=\"busy\",mode=\"user\"}" "$tmp/m1")
	s=$(value "${b}cpu_seconds_total{group=\"busy\",mode=\"system\"}" "$tmp/m1")
	f=$(value "${b}minor_page_faults_total{group=\"busy\"}" "$tmp/m1")
	if awk -v u="$u" -v s="$s" -v f="$f" -v l="$life" 'BEGIN { exit !(u > 0.5 * (l - 1.5) &&
		u <= 0.5 * l && s / u > 0.39 && s / u < 0.41 &&
		f / (u * 4000) > 0.98 && f / (u * 4000) < 1.02) }'; then
		pass counters "busy: user $u s ($(printf '%.2f' "$life") s after the feed began: at most half that), system $s s (0.4 of it), $f minor faults (4000 per user-second)"
	else
		fail counters "busy: user '$u' in $life s, system '$s', minor faults '$f'"
	fi
	# counters never go backwards, across the churn group's exits
	sleep 1.2
	metrics >"$tmp/m2"
	sleep 1.2
	metrics >"$tmp/m3"
	back=$(cat "$tmp/m1" "$tmp/m2" "$tmp/m3" | awk '/^[a-z_]+_total[{ ]/ {
			if (($1 in v) && $2 < v[$1]) bad = bad " " $1 " " v[$1] "->" $2; v[$1] = $2 }
		END { print bad }')
	c1=$(value "${b}cpu_seconds_total{group=\"churn\",mode=\"user\"}" "$tmp/m1")
	c3=$(value "${b}cpu_seconds_total{group=\"churn\",mode=\"user\"}" "$tmp/m3")
	e1=$(value "${b}exits_total{group=\"churn\"}" "$tmp/m1")
	e3=$(value "${b}exits_total{group=\"churn\"}" "$tmp/m3")
	k3=$(value "${b}forks_total{group=\"churn\"}" "$tmp/m3")
	# churn's task uses 0.1 CPU-s/s and is replaced every second: 2.4 s add about 0.24 s
	if [ -z "$back" ] && [ -n "$e3" ] && [ "$e3" -ge $((e1 + 2)) ] && [ "$k3" -ge 1 ] &&
		awk -v a="$c1" -v b="$c3" 'BEGIN { exit !(b - a > 0.18 && b - a < 0.30) }'; then
		pass monotonic "every _total series of 3 scrapes 1.2 s apart only grew; churn: exits $e1 -> $e3, its CPU $c1 -> $c3 s across them"
	else
		fail monotonic "went back:$back; churn exits $e1 -> $e3, forks $k3, CPU $c1 -> $c3"
	fi
	hdr=$(curl -s -D - -o "$tmp/om" -H 'Accept: application/openmetrics-text; version=1.0.0; charset=utf-8' "http://127.0.0.1:$port/metrics")
	if printf '%s' "$hdr" | grep -qi '^content-type: application/openmetrics-text; version=1.0.0' &&
		[ "$(tail -n 1 "$tmp/om")" = "# EOF" ] &&
		grep -q '^# TYPE monster_group_cpu_seconds counter$' "$tmp/om" &&
		grep -q '^# UNIT monster_group_cpu_seconds seconds$' "$tmp/om" &&
		grep -q '^monster_group_cpu_seconds_total{group="busy",mode="user"} ' "$tmp/om" &&
		! grep -q '^# TYPE .*_total ' "$tmp/om"; then
		pass openmetrics "Accept: application/openmetrics-text gets OpenMetrics 1.0: counter families without _total, # UNIT, # EOF"
	else
		fail openmetrics "$hdr $(head -c 300 "$tmp/om")"
	fi
	ct=$(curl -s -o /dev/null -w '%{content_type}' "http://127.0.0.1:$port/metrics")
	[ "$ct" = "text/plain; version=0.0.4; charset=utf-8" ] && pass text_format "no Accept: $ct" ||
		fail text_format "content type '$ct'"
	codes=$(for u in / /healthz /api/groups /nope; do curl -s -o /dev/null -w '%{http_code} ' "http://127.0.0.1:$port$u"; done)
	codes="$codes$(curl -s -o /dev/null -w '%{http_code} ' -X POST "http://127.0.0.1:$port/metrics")"
	codes="$codes$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/groups?after=x")"
	[ "$codes" = "200 200 200 404 405 400" ] && pass pages "/ /healthz /api/groups 200, unknown page 404, POST 405, bad after= 400" ||
		fail pages "status codes $codes"
	if curl -s "http://127.0.0.1:$port/api/groups" | "$py" -c '
import json, sys
d = json.load(sys.stdin)
names = [g["name"] for g in d["groups"]]
assert names[0] == "busy" and names[-1] == "other" and len(names) == 6, names
assert d["groups"][0]["resident_bytes"] == 200 * 2**20 and d["generation"] > 0, d' 2>"$tmp/pyerr"; then
		pass api_json "/api/groups: 6 groups, busy first, other last"
	else
		fail api_json "$(tail -n 2 "$tmp/pyerr")"
	fi
	# garbage, a request line and nothing more, a huge header: each gets an answer or the door
	"$py" -c 'import socket, sys
port = int(sys.argv[1])
for data in (bytes(range(256)) * 8, b"GET /metrics HTTP/1.1\r\n", b"GET / HTTP/1.1\r\nX: " + b"a" * 100000 + b"\r\n\r\n"):
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(5)
    try:
        s.sendall(data); s.shutdown(socket.SHUT_WR); s.recv(65536)
    except OSError:
        pass
    s.close()' "$port" 2>"$tmp/pyerr"
	[ "$(curl -s "http://127.0.0.1:$port/healthz")" = ok ] && kill -0 "$exp_pid" 2>/dev/null &&
		pass garbage_clients "binary garbage, a cut-off request and a 100 kB header: still serving" ||
		fail garbage_clients "$(cat "$tmp/pyerr")"
	stop_exporter basic
fi

# --- 500 distinct comms, --top 20: at most 21 groups ----------------------------------------
if start_feed many --tasks 503 --comms 500 --rate 20 && start_exporter many --device "$tmp/many.ring" --top 20; then
	sleep 1
	metrics >"$tmp/many"
	groups=$(awk -F'"' '/^monster_group_cpu_seconds_total\{/ { print $2 }' "$tmp/many" | sort -u)
	n=$(printf '%s\n' "$groups" | grep -c '')
	tracked=$(value monster_exporter_groups "$tmp/many")
	other=$(value 'monster_group_processes{group="other"}' "$tmp/many")
	if [ "$n" = 21 ] && printf '%s\n' "$groups" | grep -qx other && [ "$tracked" = 501 ] &&
		[ "$other" = 482 ]; then
		pass top_folding "501 groups tracked, 21 exported: the 20 busiest and other (482 processes)"
	else
		fail top_folding "$n groups exported ($(echo $groups | head -c 200)), $tracked tracked, other has $other processes"
	fi
	stop_exporter many
fi

# --- a client that never reads, and 100 at once, do not stall the consumer ------------------
# 500 tasks at 100 Hz, 33 a sweep into each ring of 4096 slots: a second of slack, so a
# consumer held up by the clients (3 s and more) would drop records
if start_feed load --tasks 500 --comms 50 --slots 4096 && start_exporter load --device "$tmp/load.ring"; then
	d0=$(dropped_total)
	sleep 3
	d1=$(dropped_total)
	"$py" -c 'import socket, sys, threading, time, urllib.request
port = int(sys.argv[1])
stuck = []
for _ in range(3):   # ask, never read; one more that never finishes its request
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port)); s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 50)
    stuck.append(s)
half = socket.create_connection(("127.0.0.1", port)); half.sendall(b"GET /metr")
ok = []
def client():
    for _ in range(5):
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=20) as r:
            ok.append(r.status == 200 and b"monster_sweeps_total" in r.read())
threads = [threading.Thread(target=client) for _ in range(100)]
t0 = time.time()
for t in threads: t.start()
for t in threads: t.join()
time.sleep(max(0, 3 - (time.time() - t0)))
print(sum(ok), len(ok), "%.1f" % (time.time() - t0))' "$port" >"$tmp/clients" 2>&1
	d2=$(dropped_total)
	read -r good total secs <"$tmp/clients"
	if [ "${good:-0}" = 500 ] && [ "${total:-0}" = 500 ] && [ "$((d2 - d1))" -le "$((d1 - d0))" ] &&
		[ "$(curl -s "http://127.0.0.1:$port/healthz")" = ok ]; then
		pass stalled_clients "3 clients that never read, 1 that never ends its request, 100 at once ($good of 500 scrapes answered in $secs s): $((d2 - d1)) records dropped, $((d1 - d0)) in as long without them"
	else
		fail stalled_clients "scrapes: $(head -c 300 "$tmp/clients"); drops without clients $((d1 - d0)), with them $((d2 - d1))"
	fi
	stop_exporter load
fi

# --- --user: the device is opened first, then the exporter runs as that user ----------------
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	if start_feed priv --tasks 10 && chmod 600 "$tmp/priv.ring" && start_exporter priv --device "$tmp/priv.ring" --user nobody; then
		uid=$(awk '/^Uid:/ { print $2 "/" $3 "/" $4 "/" $5 }' "/proc/$exp_pid/status")
		groups=$(awk '/^Groups:/ { $1 = ""; print }' "/proc/$exp_pid/status" | xargs)
		want=$(id -u nobody)
		if [ "$uid" = "$want/$want/$want/$want" ] && [ "$groups" = "$(id -G nobody | xargs)" ] &&
			metrics | grep -q '^monster_group_processes{group="busy"} 2$'; then
			pass drop_user "a ring set only root may open, served as uid $want (groups: $groups)"
		else
			fail drop_user "uids $uid, groups '$groups'"
		fi
		stop_exporter priv
	fi
fi

if [ "$QUICK" = 1 ]; then
	exit "$failed"
fi

# --- a real Prometheus server scrapes it ----------------------------------------------------
# busy's two tasks use 0.25 user CPU-s/s each by the producer's clock, so rate() must say 0.5.
# The view a scrape sees is at most 250 ms old (the publication period) plus a drain, so
# the increase over an 8 s window is off by at most about 0.25 / 8 (3 %) either way, and
# Prometheus' extrapolation to the window's ends adds no bias for a steady counter: 10 %.
if ! command -v prometheus >/dev/null 2>&1; then
	fail prometheus "prometheus is missing (tests/setup.sh installs it)"
elif start_feed prom --tasks 20 --comms 5 --churn --events && start_exporter prom --device "$tmp/prom.ring"; then
	pport=$(free_port)
	cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: monster
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF
	prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
		--web.listen-address="127.0.0.1:$pport" >"$tmp/prometheus.log" 2>&1 &
	prom_pid=$!
	pids+=("$prom_pid")
	query() {
		curl -s --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1" |
			"$py" -c 'import json, sys
d = json.load(sys.stdin)
r = d["data"]["result"]
print(" ".join(sorted(x["value"][1] for x in r)) if d["status"] == "success" and r else "none")'
	}
	up=none
	for _ in $(seq 30); do
		up=$(query 'up{job="monster"}' 2>/dev/null)
		[ "$up" = 1 ] && break
		sleep 1
	done
	sleep 10
	rate=$(query 'rate(monster_group_cpu_seconds_total{group="busy",mode="user"}[8s])')
	sysrate=$(query 'rate(monster_group_cpu_seconds_total{group="busy",mode="system"}[8s])')
	procs=$(query 'monster_group_processes{group="busy"}')
	groups=$(query 'count(count by (group) (monster_group_cpu_seconds_total))')
	exits=$(query 'increase(monster_group_exits_total{group="churn"}[8s])')
	if [ "$up" = 1 ] && [ "$procs" = 2 ] && [ "$groups" = 8 ] &&
		awk -v r="$rate" -v s="$sysrate" -v e="$exits" 'BEGIN { exit !(r > 0.45 && r < 0.55 &&
			s > 0.18 && s < 0.22 && e > 5 && e < 11) }'; then
		pass prometheus "Prometheus scraped it: rate of busy's user CPU $rate (0.5 written), system $sysrate (0.2), 2 processes, 8 groups (busy, churn, 5 comms, other), churn's exits over 8 s $exits (8)"
	else
		fail prometheus "up '$up', user rate '$rate', system '$sysrate', processes '$procs', groups '$groups', exits '$exits': $(tail -n 3 "$tmp/prometheus.log")"
	fi
	kill "$prom_pid" 2>/dev/null
	wait "$prom_pid" 2>/dev/null
	# --- the landing page in headless Chromium: charts drawn from data, no console errors ---
	if ! command -v chromium >/dev/null 2>&1; then
		fail landing_page "chromium is missing (tests/setup.sh installs it)"
	else
		# virtual time: each poll waits (in real time) for a newer view, so 10 virtual
		# seconds draw about 10 points
		chrome=(chromium --headless --no-sandbox --disable-gpu --no-first-run
			--user-data-dir="$tmp/chrome" "--window-size=1000,800" --virtual-time-budget=10000)
		timeout 120 "${chrome[@]}" --enable-logging=stderr --v=0 --screenshot="$tmp/page.png" \
			"http://127.0.0.1:$port/" >"$tmp/chrome.log" 2>&1
		timeout 120 "${chrome[@]}" --dump-dom "http://127.0.0.1:$port/" >"$tmp/dom.html" 2>/dev/null
		status=$(sed -n 's/.*<p id="status">\([^<]*\)<.*/\1/p' "$tmp/dom.html")
		console=$(grep -E 'CONSOLE|Uncaught' "$tmp/chrome.log" | head -3)
		# the busy group's colour (the first series) on the CPU and memory charts
		pixels=$("$py" -c 'import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
w, h = im.size
px = im.load()
near = lambda c, t: all(abs(a - b) < 40 for a, b in zip(c, t))
print(sum(1 for y in range(180, h) for x in range(90, w) if near(px[x, y], (0x1f, 0x77, 0xb4))))' "$tmp/page.png" 2>&1)
		points=$(printf '%s' "$status" | sed -n 's/^[0-9]* groups, \([0-9]*\) points$/\1/p')
		if [ -z "$console" ] && [ "${points:-0}" -ge 5 ] && [ "${pixels:-0}" -gt 1000 ] 2>/dev/null; then
			pass landing_page "headless Chromium: '$status', $pixels pixels of the busiest group's lines in the screenshot, no console messages"
		else
			fail landing_page "status '$status', pixels '$pixels', console: $console"
		fi
	fi
	stop_exporter prom
fi
exit "$failed"
