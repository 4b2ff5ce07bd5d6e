#!/usr/bin/env bash
# `make bench`: what the sampler costs against the /proc alternative, how fast the rings
# drain against the memory-bandwidth limit, how both scale with the number of tasks.
# Runs natively (procscan, the file-backed ring set, memcpy) and in the VM on the real
# device (tests/bench/guest.sh), then prints one markdown table per question
# (tests/bench/report.sh) and writes them to build/bench/bench-<date>.md and latest.md.
# A benchmark: it prints figures and asserts nothing about speed.
#
#   BENCH_QUICK=1        shorter windows, 5 runs per figure (about 2 minutes instead of 3.5 on 2 cores)
#   BENCH_KVER=6.1       VM kernel: a series (6.1, 6.12) or a release; default: newest 6.12
#   BENCH_TASKS="..."    task counts (default "100 1000 10000")
#   BENCH_RUNS=N         runs per figure (default 7, quick 5; at least 5 is sensible)
#   BENCH_CO_TASKS=N     changed-only against full sweeps at N tasks (default 10000; empty: skip)
#   BENCH_PAR_TASKS="..."  one sweep thread against two (default "1000 10000 30000 100000")
#   BENCH_EV_OPS=N       forks per run of the events' workload (default 1000; faults: 100 times as many)
#   BENCH_VM_MEM=MiB     guest memory (default 6144: 10,000 processes need about 1 GiB,
#                        100,000 threads about 3.5)
#   BENCH_NATIVE=0       skip the native measurements
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$here/../.." && pwd)
export BUILD=${BUILD:-$TOP/build}
export LC_ALL=C

quick=${BENCH_QUICK:-0}
[ -n "$quick" ] || quick=0
tasks=${BENCH_TASKS:-100 1000 10000}
co_tasks=${BENCH_CO_TASKS-10000}
par_tasks=${BENCH_PAR_TASKS-1000 10000 30000 100000}
mem=${BENCH_VM_MEM:-6144}
native=${BENCH_NATIVE:-1}
if [ "$quick" != 0 ]; then
	runs=${BENCH_RUNS:-5} window=300 warmup=200 lat=1000 fill=4000 stream=300 limit=1800
	mode="quick (BENCH_QUICK=1)"
else
	runs=${BENCH_RUNS:-7} window=1000 warmup=300 lat=2000 fill=8000 stream=1000 limit=2700
	mode="full"
fi

# the VM kernel: a release as given, else the newest of a series
want=${BENCH_KVER:-6.12}
if [ -f "/boot/vmlinuz-$want" ]; then
	kver=$want
else
	kver=$(bash "$TOP/tests/vm/kernels.sh" --series "$want" 2>/dev/null || true)
fi
[ -n "$kver" ] || { echo "bench: no installed $want kernel with headers (make setup)" >&2; exit 1; }

out=$BUILD/bench
stamp=$(date +%Y-%m-%d-%H%M%S)
raw=$out/raw-$stamp.txt
md=$out/bench-$stamp.md
log=$out/bench-$stamp.log
bin=$out/bin
vmout=$out/vm-$kver
mkdir -p "$out"
: >"$raw"
: >"$log"
start=$(date +%s)
note() { echo "bench: $* ($(($(date +%s) - start)) s)" >&2; }

note "mode $mode, $runs runs per figure, tasks: $tasks; VM kernel $kver; log: $log"
note "building monster.ko for $kver and the bench programs"
if ! make -C "$TOP" --no-print-directory BUILD="$BUILD" bench-progs modules KVER="$kver" >>"$log" 2>&1; then
	tail -n 30 "$log" >&2
	echo "bench: build failed (log: $log)" >&2
	exit 1
fi

cmd="make bench"
[ "$quick" = 0 ] || cmd="$cmd BENCH_QUICK=1"
[ -z "${BENCH_KVER:-}" ] || cmd="$cmd BENCH_KVER=$BENCH_KVER"
[ -z "${BENCH_TASKS:-}" ] || cmd="$cmd BENCH_TASKS=\"$tasks\""
[ -z "${BENCH_RUNS:-}" ] || cmd="$cmd BENCH_RUNS=$runs"
[ -z "${BENCH_CO_TASKS+set}" ] || cmd="$cmd BENCH_CO_TASKS=\"$co_tasks\""
[ -z "${BENCH_PAR_TASKS+set}" ] || cmd="$cmd BENCH_PAR_TASKS=\"$par_tasks\""
{
	echo "BENCHINFO run.cmd $cmd"
	echo "BENCHINFO run.mode $mode"
	echo "BENCHINFO run.runs $runs"
	echo "BENCHINFO run.date $(date '+%Y-%m-%d %H:%M %Z')"
	echo "BENCHINFO native.cpu $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
	echo "BENCHINFO native.cpus $(nproc)"
	echo "BENCHINFO native.kernel $(uname -r)"
	echo "BENCHINFO vm.mem_req $mem"
	echo "BENCHINFO native.load at the start $(cut -d' ' -f1-3 /proc/loadavg)"
} >>"$raw"

# --- native: procscan on the host's own /proc, the file-backed ring set, memcpy ---------
if [ "$native" != 0 ]; then
	for n in $tasks; do
		note "native: procscan at $n processes"
		"$bin/spawn" --total "$n" --key "native.n$n" -- \
			"$bin/procscan" --runs "$runs" --key "native.n$n" >>"$raw" 2>>"$log" ||
			note "native procscan at $n failed (see $log)"
	done
	note "native: drain of a file-backed ring set, memcpy"
	"$bin/monbench" file-drain --key native --runs "$runs" --stream-ms "$stream" >>"$raw" 2>>"$log" ||
		note "native file-drain failed (see $log)"
fi

# --- the VM: the real device -------------------------------------------------------------
wrapper=$out/vm-run.sh
cat >"$wrapper" <<EOF
#!/bin/sh
export BENCH_TASKS="$tasks" BENCH_RUNS=$runs BENCH_WINDOW_MS=$window BENCH_WARMUP_MS=$warmup
export BENCH_LAT_MS=$lat BENCH_FILL_MS=$fill BENCH_BIN=/bench
export BENCH_CO_TASKS="$co_tasks" BENCH_PAR_TASKS="$par_tasks" BENCH_EV_OPS=${BENCH_EV_OPS:-1000}
exec sh /bench/guest.sh
EOF
note "VM: booting $kver (qemu software emulation, 2 CPUs, $mem MiB); console: $vmout/console.log"
# the host's load while the VM runs: other work on the host slows the emulated CPUs
loadlog=$out/load-$stamp.txt
(while sleep 5; do cut -d' ' -f1 /proc/loadavg; done) >"$loadlog" &
loadpid=$!
# the events' bpftrace peer, with the libraries it links (mkinitramfs.sh brings them)
adds=(--add "$bin:/bench" --add "$here/guest.sh:/bench/guest.sh")
for bt in "$here"/trace_*.bt; do adds+=(--add "$bt:/bench/${bt##*/}"); done
if command -v bpftrace >/dev/null 2>&1; then
	adds+=(--add "$(command -v bpftrace):/usr/bin/bpftrace")
else
	note "no bpftrace here (make setup installs it): the events table has no bpftrace column"
fi
set +e
bash "$TOP/tests/vm/run-vm.sh" "$kver" --ko "$BUILD/kmod/$kver/monster.ko" --script "$wrapper" \
	"${adds[@]}" --mem "$mem" \
	--timeout "$limit" --test-timeout "$((limit - 60))" --outdir "$vmout" \
	>"$vmout.results" 2>>"$log"
vmrc=$?
set -e
kill "$loadpid" 2>/dev/null || true
wait "$loadpid" 2>/dev/null || true
if [ -s "$loadlog" ]; then
	echo "BENCHINFO native.load_vm $(sort -g "$loadlog" | sed -n '1p;$p' | tr '\n' ' ')" >>"$raw"
fi
rm -f "$loadlog"
if [ -f "$vmout/guest.log" ]; then
	grep -E '^BENCH(INFO)? ' "$vmout/guest.log" >>"$raw" || true
fi
while IFS= read -r line; do
	echo "BENCHINFO vm.check $line" >>"$raw"
done < <(grep -E '^(PASS|FAIL|SKIP) ' "$vmout.results" || true)
[ "$vmrc" = 0 ] || note "the VM run reported a failure (status $vmrc; $vmout.results, $vmout/console.log)"
grep -q '^BENCH vm\.' "$raw" || { echo "bench: the VM produced no figures (see $vmout/console.log)" >&2; exit 1; }

# --- the report ------------------------------------------------------------------------------
elapsed=$(($(date +%s) - start))
{
	echo "BENCHINFO native.load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "BENCHINFO run.seconds $elapsed"
} >>"$raw"
bash "$here/report.sh" "$raw" >"$md"
cp "$md" "$out/latest.md"
cat "$md"
note "tables in $md (and $out/latest.md); raw figures in $raw"
