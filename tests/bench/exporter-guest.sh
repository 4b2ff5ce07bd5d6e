#!/bin/sh
# shellcheck shell=sh
# The in-VM half of `make bench-exporter` (tests/bench/exporter.sh boots it with run-vm.sh
# --script). For each task count: fill the guest with sleeping processes (spawn), sample
# them at 100 Hz, run monster-exporter and process-exporter side by side over the same
# tasks, scrape both at the same interval and read what each costs (scrape). Every figure
# is a `BENCH key value` line on stdout (the harness's results channel).
#   exporter-guest.sh            the whole run
#   exporter-guest.sh measure N  one task count, run by spawn among the N tasks
# Settings from the environment: BENCH_TASKS "1000 10000", BENCH_SECONDS 20,
# BENCH_INTERVAL_MS 1000, BENCH_WARMUP_S 5, BENCH_BIN /bench.

B=${BENCH_BIN:-/bench}
tasks=${BENCH_TASKS:-1000 10000}
secs=${BENCH_SECONDS:-20}
interval=${BENCH_INTERVAL_MS:-1000}
warmup=${BENCH_WARMUP_S:-5}

# the sampler's kernel threads, as scrape --cpu arguments
kthreads() {
	for c in /proc/[0-9]*/comm; do
		case "$(cat "$c" 2>/dev/null)" in
		monster-sampler | monster-sweep/*)
			p=${c#/proc/}
			p=${p%/comm}
			echo "--cpu kernel$p:$p"
			;;
		esac
	done
}

if [ "${1:-}" = measure ]; then
	n=$2
	monster-exporter --listen 127.0.0.1:9477 &
	e=$!
	process-exporter -config.path "$B/process-exporter.yml" -gather-smaps=false \
		-threads=false -web.listen-address 127.0.0.1:9256 >/dev/null 2>&1 &
	p=$!
	sleep "$warmup"	# the sampler's records of every task reach monster-exporter
	# shellcheck disable=SC2046 # one word per argument
	"$B/scrape" --seconds "$secs" --interval-ms "$interval" --key "vm.n$n" \
		--target "monster:9477:$e" --target "procexp:9256:$p" $(kthreads)
	rc=$?
	kill "$e" "$p"
	wait
	exit "$rc"
fi

echo "BENCHINFO vm.kernel $(uname -r)"
echo "BENCHINFO vm.cpus $(grep -c ^processor /proc/cpuinfo)"
echo "BENCHINFO vm.mem_mib $(($(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) / 1024))"
echo "BENCHINFO exporter.interval_ms $interval"
echo "BENCHINFO exporter.seconds $secs"
monsterctl set rate=100 scope=process >/dev/null || echo "bench: monsterctl set failed"
monsterctl start >/dev/null || echo "bench: monsterctl start failed"
for n in $tasks; do
	echo "bench: $n tasks ($(date +%T))"
	"$B/spawn" --total "$n" --reserve 6 --key "vm.n$n" -- sh "$0" measure "$n"
done
echo "bench: guest done ($(date +%T))"
