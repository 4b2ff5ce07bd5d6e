#!/bin/sh
# shellcheck shell=sh
# The in-VM half of `make bench` (tests/bench/bench.sh boots it with run-vm.sh --script).
# 1. For each task count: fill the guest with sleeping processes (spawn), then measure the
#    sampler on /dev/monster (monbench device: sweep cost and CPU share at each rate, wake-up
#    latency), the /proc alternative (procscan), a bare eventfd/futex wake-up (wakebase), and
#    the BPF task iterator peer (bpfiter) interleaved run by run with the sampler, so that a
#    change of the host's load hits both alike; at the largest count also the drain of full
#    rings (monbench device-drain) and the sweep's profile (debugfs sweep_steps, step by step).
# 2. Changed-only sweeps against full ones with 10% of the tasks running between two sweeps.
# 3. One sweep thread against two at each of BENCH_PAR_TASKS tasks (threads, scope THREAD).
# 4. The events' cost: a fork/exec/exit and a page-fault workload (evload) with events off,
#    on (monster's probes, an in-place consumer) and traced by bpftrace's same probes.
# Everything measured is a `BENCH key value` line on stdout, which reaches the host through
# the harness's results channel.
# Settings come from the environment (the host's wrapper sets them):
#   BENCH_TASKS "100 1000 10000"  BENCH_RUNS 7  BENCH_WINDOW_MS 1000  BENCH_WARMUP_MS 300
#   BENCH_LAT_MS 2000  BENCH_FILL_MS 8000  BENCH_RATES 100,1000  BENCH_BIN /bench
#   BENCH_CO_TASKS 10000  BENCH_PAR_TASKS "1000 10000 30000 100000"  (empty: skip the part)
#   BENCH_EV_OPS 1000 (forks per run; faults per run: 100 times as many)  BENCH_EV 1

B=${BENCH_BIN:-/bench}
tasks=${BENCH_TASKS:-100 1000 10000}
runs=${BENCH_RUNS:-7}
window=${BENCH_WINDOW_MS:-1000}
warmup=${BENCH_WARMUP_MS:-300}
lat=${BENCH_LAT_MS:-2000}
fill=${BENCH_FILL_MS:-8000}
rates=${BENCH_RATES:-100,1000}
co_tasks=${BENCH_CO_TASKS-10000}
par_tasks=${BENCH_PAR_TASKS-1000 10000 30000 100000}
steps=/sys/kernel/debug/monster/sweep_steps
ev_ops=${BENCH_EV_OPS:-1000}

echo "BENCHINFO vm.kernel $(uname -r)"
echo "BENCHINFO vm.cpus $(grep -c ^processor /proc/cpuinfo)"
echo "BENCHINFO vm.mem_mib $(($(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) / 1024))"
echo "BENCHINFO vm.clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)"
echo "BENCHINFO vm.pid_max $(cat /proc/sys/kernel/pid_max)"
echo "BENCHINFO vm.lat_ms $lat ms"

max=0
for n in $tasks; do [ "$n" -gt "$max" ] && max=$n; done
# one window of the sampler alone: sweep cost, CPU, no wake-up latency
win="--runs $runs --window-ms $window --warmup-ms $warmup --lat-runs 0"

for n in $tasks; do
	cmds="$B/monbench device --key vm.n$n --runs $runs --window-ms $window --warmup-ms $warmup"
	cmds="$cmds --rates $rates --lat-runs $runs --lat-ms $lat --lat-rate 100"
	cmds="$cmds; $B/procscan --runs $runs --key vm.n$n"
	cmds="$cmds; $B/wakebase --key vm.n$n --runs $runs --ms $lat --rate 100"
	cmds="$cmds; r=0; while [ \$r -lt $runs ]; do $B/bpfiter --key vm.n$n --runs 1"
	cmds="$cmds; $B/monbench device --key vm.n$n.pair --rates 100 --runs 1 --window-ms $window"
	cmds="$cmds --warmup-ms $warmup --lat-runs 0; r=\$((r + 1)); done"
	if [ "$n" = "$max" ]; then
		cmds="$cmds; echo BENCHINFO vm.drain_tasks $n"
		cmds="$cmds; $B/monbench device-drain --key vm --runs $runs --fill-ms $fill --rate 1000"
		if [ -w "$steps" ]; then
			cmds="$cmds; echo BENCHINFO vm.profile_tasks $n"
			for k in 0 1 2 3 4 5 6 7; do
				cmds="$cmds; echo $k >$steps"
				cmds="$cmds; $B/monbench device --key vm.n$n.step$k --rates 100 $win"
			done
			cmds="$cmds; echo 7 >$steps"
		fi
	fi
	echo "bench: $n tasks ($(date +%T))"
	"$B/spawn" --total "$n" --key "vm.n$n" -- sh -c "$cmds"
done

if [ -n "$co_tasks" ]; then
	# 10 Hz and 10 Hz: each active task runs once between two sweeps, the others never;
	# keyframe 10, one complete sweep a second as 100 Hz with the default keyframe 100
	echo "bench: changed-only at $co_tasks tasks ($(date +%T))"
	echo "BENCHINFO vm.co_tasks $co_tasks"
	cwin="--runs $runs --window-ms $((window * 3)) --warmup-ms $((warmup + 500)) --lat-runs 0"
	"$B/spawn" --total "$co_tasks" --active 10 --active-hz 10 --key vm.co -- sh -c \
		"$B/monbench device --key vm.co.full --rates 10 $cwin;
		 $B/monbench device --key vm.co.changed --rates 10 --changed-only 10 $cwin"
fi

for n in $par_tasks; do
	echo "bench: parallel sweeps at $n tasks ($(date +%T))"
	"$B/spawn" --total "$n" --threads 100 --key "vm.par.n$n" -- sh -c \
		"$B/monbench device --key vm.par.n$n.t1 --scope thread --threads 1 --rates 100 $win;
		 $B/monbench device --key vm.par.n$n.t2 --scope thread --threads 2 --rates 100 $win"
done

# One run of evload W as MODE, its figure also in $ev_last: with the consumer recording MASK
# (0: samples only), and for MODE bpftrace with bpftrace's same probes attached as well.
# (sh has no local variables: these names are the function's own)
ev_run() { # W MODE MASK ARGS...
	ev_w=$1 ev_mode=$2 ev_mask=$3
	shift 3
	"$B/monbench" events --key "vm.ev.$ev_w.$ev_mode" --events "$ev_mask" &
	ev_c=$!
	ev_bt=""
	if [ "$ev_mode" = bpftrace ]; then
		ev_out=/tmp/bpftrace.$ev_w.out
		bpftrace -o "$ev_out" "$B/trace_$ev_w.bt" 2>"$ev_out.err" &
		ev_bt=$!
		ev_i=0
		until grep -q Attaching "$ev_out" "$ev_out.err" 2>/dev/null || [ "$ev_i" -ge 300 ]; do
			sleep 1
			ev_i=$((ev_i + 1))
		done
		echo "BENCH vm.ev.$ev_w.bpftrace.attach_s $ev_i"
	fi
	sleep 1
	ev_line=$("$B/evload" "$ev_w" --key "vm.ev.$ev_w.$ev_mode" --runs 1 "$@")
	echo "$ev_line"
	ev_last=${ev_line##* }
	if [ -n "$ev_bt" ]; then
		kill -INT "$ev_bt"
		wait "$ev_bt"
		echo "BENCH vm.ev.$ev_w.bpftrace.lines $(grep -cE '^(fork|exec|exit|fault) ' "$ev_out")"
		ev_lost=$(sed -n 's/.*Lost \([0-9]*\) events.*/\1/p' "$ev_out" "$ev_out.err" | head -n1)
		echo "BENCH vm.ev.$ev_w.bpftrace.lost ${ev_lost:-0}"
		rm -f "$ev_out" "$ev_out.err"
	fi
	kill -TERM "$ev_c"
	wait "$ev_c"
}

# BENCH vm.ev.W.MODE_over_off: this run's figure over the off run's of the same round
ev_ratio() { # W MODE OFF
	awk -v w="$1" -v m="$2" -v on="$ev_last" -v off="$3" \
		'BEGIN { if (off > 0) printf "BENCH vm.ev.%s.%s_over_off %.6g\n", w, m, on / off }'
}

if [ "${BENCH_EV:-1}" != 0 ]; then
	echo "BENCHINFO vm.ev_ops $ev_ops"
	bt=""
	if command -v bpftrace >/dev/null 2>&1; then
		bt=bpftrace
		echo "BENCHINFO vm.bpftrace $(bpftrace --version 2>&1 | head -n1)"
	fi
	for w in fork fault; do
		echo "bench: events, $w workload ($(date +%T))"
		if [ "$w" = fork ]; then
			mask=14 # MONSTER_EVENT(fork) | exec | exit
			set -- --ops "$ev_ops"
		else
			mask=16 # MONSTER_EVENT(fault)
			set -- --pages 4096 --rounds $((ev_ops / 40 + 1))
		fi
		# rounds of off, monster, bpftrace: a change of the host's load hits all three
		r=0
		while [ "$r" -lt "$runs" ]; do
			ev_run "$w" off 0 "$@"
			off=$ev_last
			ev_run "$w" monster "$mask" "$@"
			ev_ratio "$w" monster "$off"
			if [ -n "$bt" ] && [ -f "$B/trace_$w.bt" ]; then
				# the sampler runs here too, with no events, as in the two runs above
				ev_run "$w" bpftrace 0 "$@"
				ev_ratio "$w" bpftrace "$off"
			fi
			r=$((r + 1))
		done
	done
fi
echo "bench: guest done ($(date +%T))"
