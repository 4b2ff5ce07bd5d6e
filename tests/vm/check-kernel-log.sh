#!/usr/bin/env bash
# Checks a VM run's kernel log for anything that means the kernel was unhappy: warnings,
# BUGs, oopses, lockups, RCU stalls, sanitizer reports, stack traces. One FAIL line per kind
# found (with a count and the first line), or one PASS line. Beside the generic kinds, the
# reports of a debug kernel (lockdep, KASAN, KFENCE, DEBUG_ATOMIC_SLEEP, debug objects) have
# their own, and a lockdep that switched itself off is one: it can no longer vouch for locking.
#
#   check-kernel-log.sh [--label L] CONSOLE_LOG [GUEST_LOG]
# GUEST_LOG is the results channel with the `MONSTER-VM dmesg-begin/-end` section (the whole
# kernel log, dumped by init after the tests). The console is scanned too, since a run that
# hung or panicked never reached the dump. Only kernel messages are scanned, i.e. text from
# a printk timestamp `[   12.345678]` on, so a test that prints "WARNING:" in its own output
# does not trip this; a kernel line that lands mid-way through a test's line still counts.
set -euo pipefail

label=""
if [ "${1:-}" = --label ]; then label="[$2] "; shift 2; fi
[ $# -ge 1 ] || { sed -n '2,13p' "$0"; exit 2; }
console=$1
guest=${2:-}

# kind|extended regex
patterns='WARNING|WARNING:
BUG|BUG:
Oops|Oops
kernel-panic|Kernel panic
general-protection-fault|general protection fault
soft-lockup|soft lockup
hard-lockup|hard LOCKUP
rcu-stall|self-detected stall|rcu: INFO|rcu_(sched|preempt) detected stall
stall|(^|[^[:alpha:]])[Ss]tall(s|ed)?([^[:alpha:]]|$)
hung-task|blocked for more than [0-9]+ seconds
KASAN|KASAN
UBSAN|UBSAN
kmemleak|kmemleak
list-corruption|list_(add|del) corruption
refcount|refcount_t:
call-trace|Call Trace
kernel-BUG|kernel BUG at
bad-page|Bad page (state|map)
KFENCE|KFENCE
lockdep|possible (circular|recursive) locking|inconsistent lock state|lock (inversion|order)
lock-misuse|Invalid wait context|suspicious RCU usage|bad unlock balance|held lock freed
lock-held|lock held when returning to user space|still has locks held
lockdep-off|lockdep is turned off|turning off the locking correctness validator
sleep-in-atomic|sleeping function called from invalid context|scheduling while atomic
debug-objects|ODEBUG:'

msgs=$(mktemp)
trap 'rm -f "$msgs"' EXIT
ts='\[ *[0-9]+\.[0-9]+\]'
{
	if [ -n "$guest" ] && [ -f "$guest" ]; then
		sed -n '/^MONSTER-VM dmesg-begin/,/^MONSTER-VM dmesg-end/p' "$guest" | tr -d '\r' |
			grep -oE "$ts.*" || true
	fi
	[ ! -f "$console" ] || tr -d '\r' <"$console" | grep -oE "$ts.*" || true
} | sort -u >"$msgs"

nmsgs=$(wc -l <"$msgs")
if [ "$nmsgs" -eq 0 ]; then
	# a guest that hung before the dump and printed nothing on the console: nothing to judge
	echo "SKIP ${label}kernel-log: no kernel messages in $console${guest:+ or $guest}"
	exit 0
fi

bad=0
while IFS='|' read -r kind re; do
	hits=$(grep -cE -- "$re" "$msgs" || true)
	[ "$hits" -gt 0 ] || continue
	first=$(grep -m1 -E -- "$re" "$msgs")
	echo "FAIL ${label}kernel-log-$kind: $hits kernel line(s) match '$re'; first: $first"
	bad=1
done <<<"$patterns"

if [ "$bad" = 0 ]; then
	echo "PASS ${label}kernel-log: $nmsgs kernel messages, no warning, BUG, oops, lockup, stall or trace"
fi
exit "$bad"
