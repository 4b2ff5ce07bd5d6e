#!/usr/bin/env bash
# `make demo`: for a machine that cannot load the module itself. Builds everything, boots
# the newest 6.12 kernel under qemu, loads monster.ko, samples for a few seconds and prints
# the per-ring statistics, the debugfs stats file and a few trace events.
#   MONSTER_DEMO_SECS=N   how long to sample (default 3)
#   MONSTER_DEMO_KVER=rel boot this kernel instead
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$here/../.." && pwd)
export BUILD=${BUILD:-$TOP/build}
secs=${MONSTER_DEMO_SECS:-3}

kver=${MONSTER_DEMO_KVER:-$(bash "$here/kernels.sh" --series 6.12 2>/dev/null || bash "$here/kernels.sh" | tail -n1)}
[ -n "$kver" ] || { echo "demo: no test kernel installed (run: make setup)" >&2; exit 1; }
out=$BUILD/vm/demo-$kver
mkdir -p "$out"

echo "demo: building (log: $out/build.log)"
make -C "$TOP" --no-print-directory userspace >"$out/build.log" 2>&1 ||
	echo "demo: warning: 'make userspace' failed (see $out/build.log); going on with the module"
make -C "$TOP" --no-print-directory "$BUILD/vm/bin/demo_stats" vm-lib-extras gpu-consumer-static \
	>>"$out/build.log" 2>&1 ||
	{ tail -n 20 "$out/build.log"; echo "demo: cannot build the guest's programs" >&2; exit 1; }

# what the guest runs once the module is loaded
cat >"$out/run.sh" <<EOF
#!/bin/sh
echo "monster demo on Linux \$(uname -r), \$(grep -c ^processor /proc/cpuinfo) CPUs (qemu, software emulation)"
dmesg | grep -i 'monster' | grep -v -e taint -e 'verification failed' | sed 's/^\[[^]]*\] /dmesg: /'

echo "device: \$(ls -l /dev/monster | awk '{print \$1, \$3, \$4, \$NF}')"
# the tracepoint (trace-cmd record -e monster_sampler on a real host)
ev=/sys/kernel/tracing/events/monster_sampler
[ -d \$ev ] || ev=/sys/kernel/tracing/events/monster
[ -d \$ev ] && echo 1 >\$ev/enable
echo
/bin/demo_stats $secs || exit 1
if [ -r /sys/kernel/debug/monster/stats ]; then
	echo
	echo "--- /sys/kernel/debug/monster/stats ---"
	cat /sys/kernel/debug/monster/stats
fi
if [ -d \$ev ]; then
	echo 0 >\$ev/enable
	echo
	echo "--- trace events (\$(grep -vc '^#' /sys/kernel/tracing/trace) recorded; first 5) ---"
	grep -v '^#' /sys/kernel/tracing/trace | head -n 5
fi
echo
echo "--- monsterctl status ---"
monsterctl status
echo
echo "--- monsterctl start --rate 100; monsterctl dump --count 8 ---"
monsterctl start --rate 100 && sleep 1 && monsterctl dump --count 8
echo
echo "--- monster-gpu-consumer --seconds 3 ---"
monster-gpu-consumer --seconds 3
monsterctl stop
EOF

echo "demo: booting $kver under qemu (about 10-20 s) ..."
set +e
bash "$here/run-vm.sh" "$kver" --script "$out/run.sh" --add "$BUILD/vm/bin/demo_stats:/bin/demo_stats" \
	--add "$BUILD/tools/monster-gpu-consumer.static:/bin/monster-gpu-consumer" \
	--outdir "$out" >"$out/results.txt" 2>"$out/run-vm.log"
rc=$?
set -e

# the guest's own output, without the markers and console noise
if [ -f "$out/guest.log" ]; then
	echo
	sed -n '/^MONSTER-VM begin script/,/^MONSTER-VM end script/p' "$out/guest.log" | sed '1d;$d'
fi
echo
if [ "$rc" -ne 0 ]; then
	cat "$out/run-vm.log" >&2
	cat "$out/results.txt"
	echo "demo: FAILED (console log: $out/console.log)" >&2
	exit 1
fi
echo "demo: ok - $(grep -c '^PASS' "$out/results.txt") checks passed (module load, unload, clean kernel log); console log: $out/console.log"
