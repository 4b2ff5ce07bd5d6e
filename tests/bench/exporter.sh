#!/usr/bin/env bash
# `make bench-exporter`: monster-exporter beside process-exporter in one VM run, over the
# same tasks (1,000 and 10,000 sleeping processes sampled at 100 Hz), scraped at the same
# interval: each one's scrape latency and CPU per second, and their ratios. Prints a
# markdown table (tests/bench/exporter-report.awk) and writes it to
# build/bench/exporter-<date>.md (and exporter-latest.md). Asserts nothing about speed.
#   BENCH_KVER=6.1       VM kernel: a series or a release (default: newest 6.12)
#   BENCH_TASKS="..."    task counts (default "1000 10000")
#   BENCH_SECONDS=S      seconds measured per task count (default 20)
#   BENCH_INTERVAL_MS=I  scrape interval (default 1000)
#   BENCH_VM_MEM=MiB     guest memory (default 3072)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$here/../.." && pwd)
export BUILD=${BUILD:-$TOP/build}
export LC_ALL=C

tasks=${BENCH_TASKS:-1000 10000}
secs=${BENCH_SECONDS:-20}
interval=${BENCH_INTERVAL_MS:-1000}
mem=${BENCH_VM_MEM:-3072}
want=${BENCH_KVER:-6.12}
if [ -f "/boot/vmlinuz-$want" ]; then
	kver=$want
else
	kver=$(bash "$TOP/tests/vm/kernels.sh" --series "$want" 2>/dev/null || true)
fi
[ -n "$kver" ] || { echo "bench-exporter: no installed $want kernel with headers (make setup)" >&2; exit 1; }
pe=$(command -v prometheus-process-exporter || true)
[ -n "$pe" ] || { echo "bench-exporter: prometheus-process-exporter is missing (make setup)" >&2; exit 1; }

out=$BUILD/bench
stamp=$(date +%Y-%m-%d-%H%M%S)
raw=$out/exporter-raw-$stamp.txt
md=$out/exporter-$stamp.md
log=$out/exporter-$stamp.log
vmout=$out/exporter-vm-$kver
bin=$out/bin
mkdir -p "$out"
: >"$log"
start=$(date +%s)
note() { echo "bench-exporter: $* ($(($(date +%s) - start)) s)" >&2; }

note "building monster.ko for $kver and the programs; log: $log"
if ! make -C "$TOP" --no-print-directory BUILD="$BUILD" modules KVER="$kver" vm-lib-extras \
	"$bin/spawn" "$bin/scrape" >>"$log" 2>&1; then
	tail -n 30 "$log" >&2
	echo "bench-exporter: build failed (log: $log)" >&2
	exit 1
fi
{
	echo "BENCHINFO run.cmd make bench-exporter${BENCH_TASKS:+ BENCH_TASKS=\"$tasks\"}"
	echo "BENCHINFO run.date $(date '+%Y-%m-%d %H:%M %Z')"
	echo "BENCHINFO native.cpu $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
	echo "BENCHINFO native.load_start $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "BENCHINFO procexp.version $("$pe" -version 2>&1 | head -n1)"
} >"$raw"

wrapper=$out/exporter-vm-run.sh
printf '#!/bin/sh\nexport BENCH_TASKS="%s" BENCH_SECONDS=%s BENCH_INTERVAL_MS=%s BENCH_BIN=/bench\nexec sh /bench/exporter-guest.sh\n' \
	"$tasks" "$secs" "$interval" >"$wrapper"
note "VM: booting $kver (2 CPUs, $mem MiB); console: $vmout/console.log"
set +e
bash "$TOP/tests/vm/run-vm.sh" "$kver" --ko "$BUILD/kmod/$kver/monster.ko" --script "$wrapper" \
	--add "$bin/spawn:/bench/spawn" --add "$bin/scrape:/bench/scrape" \
	--add "$here/exporter-guest.sh:/bench/exporter-guest.sh" \
	--add "$here/process-exporter.yml:/bench/process-exporter.yml" \
	--add "$pe:/bin/process-exporter" --mem "$mem" --timeout 1500 --test-timeout 1400 \
	--outdir "$vmout" >"$vmout.results" 2>>"$log"
vmrc=$?
set -e
[ ! -f "$vmout/guest.log" ] || grep -E '^BENCH(INFO)? ' "$vmout/guest.log" >>"$raw" || true
[ "$vmrc" = 0 ] || note "the VM run reported a failure (status $vmrc; $vmout.results, $vmout/console.log)"
grep -q '^BENCH vm\.' "$raw" || { echo "bench-exporter: the VM produced no figures (see $vmout/console.log)" >&2; exit 1; }
echo "BENCHINFO native.load_end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$raw"
echo "BENCHINFO run.seconds $(($(date +%s) - start))" >>"$raw"
awk -f "$here/exporter-report.awk" "$raw" >"$md"
cp "$md" "$out/exporter-latest.md"
cat "$md"
note "table in $md; raw figures in $raw"
