#!/bin/sh
# shellcheck shell=sh
# The in-VM half of `make bench` (tests/bench/bench.sh boots it with run-vm.sh --script).
# For each task count: fill the guest with sleeping processes (spawn), then measure the
# sampler on /dev/monster (monbench device: sweep cost and CPU share at each rate, wake-up
# latency) and the /proc alternative (procscan); at the largest count also the drain of
# full rings (monbench device-drain). Everything measured is a `BENCH key value` line on
# stdout, which reaches the host through the harness's results channel.
# Settings come from the environment (the host's wrapper sets them):
#   BENCH_TASKS "100 1000 10000"  BENCH_RUNS 7  BENCH_WINDOW_MS 1000  BENCH_WARMUP_MS 300
#   BENCH_LAT_MS 2000  BENCH_FILL_MS 8000  BENCH_RATES 100,1000  BENCH_BIN /bench

B=${BENCH_BIN:-/bench}
tasks=${BENCH_TASKS:-100 1000 10000}
runs=${BENCH_RUNS:-7}
window=${BENCH_WINDOW_MS:-1000}
warmup=${BENCH_WARMUP_MS:-300}
lat=${BENCH_LAT_MS:-2000}
fill=${BENCH_FILL_MS:-8000}
rates=${BENCH_RATES:-100,1000}

echo "BENCHINFO vm.kernel $(uname -r)"
echo "BENCHINFO vm.cpus $(grep -c ^processor /proc/cpuinfo)"
echo "BENCHINFO vm.mem_mib $(($(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) / 1024))"
echo "BENCHINFO vm.clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)"
echo "BENCHINFO vm.pid_max $(cat /proc/sys/kernel/pid_max)"
echo "BENCHINFO vm.lat_ms $lat ms"

max=0
for n in $tasks; do [ "$n" -gt "$max" ] && max=$n; done

for n in $tasks; do
	cmds="$B/monbench device --key vm.n$n --runs $runs --window-ms $window --warmup-ms $warmup"
	cmds="$cmds --rates $rates --lat-runs $runs --lat-ms $lat --lat-rate 100"
	cmds="$cmds; $B/procscan --runs $runs --key vm.n$n"
	if [ "$n" = "$max" ]; then
		cmds="$cmds; echo BENCHINFO vm.drain_tasks $n"
		cmds="$cmds; $B/monbench device-drain --key vm --runs $runs --fill-ms $fill --rate 1000"
	fi
	echo "bench: $n tasks ($(date +%T))"
	"$B/spawn" --total "$n" --key "vm.n$n" -- sh -c "$cmds"
done
echo "bench: guest done ($(date +%T))"
