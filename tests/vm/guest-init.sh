#!/bin/busybox sh
# shellcheck shell=sh
# The VM guest's /init (busybox initramfs built by mkinitramfs.sh). Mounts the pseudo
# filesystems, loads /monster.ko, runs the test programs (or a script) and reports on the
# serial lines; the host (run-vm.sh) parses what it prints.
#
# Kernel command line (all optional; commas stand for spaces since the kernel splits on them):
#   mvm.modargs=rate_hz=100,ring_slots=1024   insmod parameters
#   mvm.insmod=0                              do not load the module
#   mvm.tests=t_a,t_b                         programs from /tests to run (default: all t_*,
#                                             then t32_*; "none": none)
#   mvm.timeout=SECS                          per-program limit (default 180)
#   mvm.script=/path                          run this script instead of the tests (demo)
#   mvm.out=ttyS1                             the clean results channel (default: console only)
#
# Protocol (each line also on the console): MONSTER-VM markers, the programs' own
# PASS/FAIL/SKIP lines, and FAIL lines init adds for a program that crashed, timed out or
# failed without saying so. Not `set -e`: init must reach poweroff whatever happens.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root TERM=dumb

/bin/busybox mkdir -p /proc /sys /dev /tmp /root
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
# no /dev/console in the archive when it was built without root: open it now
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
hostname monster-vm
ifconfig lo 127.0.0.1 up 2>/dev/null

# kernel command line -> settings (the kernel hands unknown dotted words to nobody, so parse here)
MODARGS="" INSMOD=1 TESTS="" TIMEOUT=180 SCRIPT="" OUTDEV=""
read -r cmdline </proc/cmdline
for w in $cmdline; do
	case "$w" in
	mvm.modargs=*) MODARGS=$(echo "${w#mvm.modargs=}" | tr ',' ' ') ;;
	mvm.insmod=*) INSMOD=${w#mvm.insmod=} ;;
	mvm.tests=*) TESTS=$(echo "${w#mvm.tests=}" | tr ',' ' ') ;;
	mvm.timeout=*) TIMEOUT=${w#mvm.timeout=} ;;
	mvm.script=*) SCRIPT=${w#mvm.script=} ;;
	mvm.out=*) OUTDEV=/dev/${w#mvm.out=} ;;
	esac
done

# results channel: a second serial port keeps results apart from kernel console noise
RES=/dev/null
if [ -n "$OUTDEV" ] && [ -c "$OUTDEV" ] && stty -F "$OUTDEV" raw -echo 2>/dev/null; then
	RES=$OUTDEV
fi

emit() {
	echo "$*"
	echo "$*" >"$RES"
}

# what the test programs may want: how to put the module back if they unload it
export MONSTER_VM=1 MONSTER_KO=/monster.ko MONSTER_MODARGS="$MODARGS" MONSTER_TESTS_DIR=/tests

emit "MONSTER-VM start kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo) mem_kb=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)"

loaded=0
if [ "$INSMOD" = 1 ]; then
	# shellcheck disable=SC2086 # MODARGS is a list of words
	out=$(insmod /monster.ko $MODARGS 2>&1)
	rc=$?
	[ -n "$out" ] && emit "MONSTER-VM insmod-output: $out"
	emit "MONSTER-VM insmod rc=$rc args=$MODARGS"
	[ "$rc" = 0 ] && loaded=1
else
	emit "MONSTER-VM insmod skipped"
fi

# run_prog NAME CMD...: one program under a time limit, its output streamed to both channels
run_prog() {
	name=$1
	shift
	emit "MONSTER-VM begin $name"
	rm -f /tmp/rc /tmp/out
	t0=$(date +%s)
	# the subshell records the status: a pipeline's status is tee's
	(
		cd /tmp || exit 1
		timeout -s KILL "$TIMEOUT" "$@"
		echo $? >/tmp/rc
	) 2>&1 | tee /tmp/out "$RES"
	t1=$(date +%s)
	rc=$(cat /tmp/rc 2>/dev/null || echo 255)
	if [ $((t1 - t0)) -ge "$TIMEOUT" ] && [ "$rc" -ge 128 ]; then
		emit "FAIL $name: timed out after ${TIMEOUT}s (killed)"
	elif [ "$rc" -gt 128 ]; then
		emit "FAIL $name: killed by signal $((rc - 128))"
	elif [ "$rc" != 0 ] && ! grep -q '^FAIL ' /tmp/out; then
		emit "FAIL $name: exited with status $rc without a FAIL line"
	elif [ "$name" != script ] && ! grep -qE '^(PASS|FAIL|SKIP) ' /tmp/out; then
		emit "FAIL $name: printed no PASS/FAIL/SKIP line"
	fi
	reap_leftovers "$name"
	emit "MONSTER-VM end $name rc=$rc secs=$((t1 - t0))"
}

# A program killed on timeout can leave children (task-storm tests fork thousands): kill every
# user process but init so the next program starts on a quiet machine. Kernel threads have no
# exe link.
reap_leftovers() {
	n=0 names=""
	for d in /proc/[0-9]*; do
		p=${d#/proc/}
		[ "$p" = 1 ] && continue
		[ -e "$d/exe" ] || continue
		c=""
		read -r c <"$d/comm" 2>/dev/null
		# busybox timeout's watcher outlives a quick program by up to a second
		[ "$c" = timeout ] && continue
		if kill -9 "$p" 2>/dev/null; then
			n=$((n + 1))
			[ "$n" -gt 5 ] || names="$names $c"
		fi
	done
	if [ "$n" -gt 0 ]; then emit "MONSTER-VM reaped $n leftover processes of $1:$names"; fi
}

if [ -n "$SCRIPT" ]; then
	run_prog script sh "$SCRIPT"
elif [ "$INSMOD" = 1 ] && [ "$loaded" = 0 ]; then
	emit "MONSTER-VM tests-skipped (insmod failed)"
else
	if [ -z "$TESTS" ]; then
		# glob order is name order
		for t in /tests/t_* /tests/t32_*; do
			[ -e "$t" ] && TESTS="$TESTS ${t#/tests/}"
		done
	fi
	[ "$TESTS" != none ] || TESTS=""
	for t in $TESTS; do
		if [ -x "/tests/$t" ]; then
			run_prog "$t" "/tests/$t"
		else
			emit "FAIL $t: /tests/$t is not in the initramfs"
		fi
	done
fi

# the module must unload cleanly once every test has closed the device
if [ "$INSMOD" = 1 ] && [ "$loaded" = 1 ]; then
	if [ -d /sys/module/monster ]; then
		refs=$(cat /sys/module/monster/refcnt 2>/dev/null)
		if out=$(rmmod monster 2>&1); then
			emit "PASS rmmod-clean: rmmod monster succeeded after the tests"
		else
			emit "FAIL rmmod-clean: rmmod monster failed (refcnt=$refs): $out"
		fi
	else
		emit "FAIL rmmod-clean: module not loaded at the end (a test unloaded it and did not load it back)"
	fi
fi

emit "MONSTER-VM dmesg-begin"
dmesg | tee "$RES"
emit "MONSTER-VM dmesg-end"
emit "MONSTER-VM done"
sync
poweroff -f
