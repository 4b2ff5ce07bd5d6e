/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmstress.h - what the stress and fuzz programs (tests/vm/t_9*_*.c) share on
 * top of vmtest.h: the stress level, the ring arithmetic checks, a
 * kernel-log check per scenario and an honest consumer with exact drop
 * accounting. Their random choices come from the harness's generator
 * (th_rng, seeded by th_seed()).
 *
 * Stress level: MONSTER_STRESS=long in the guest's environment (run-vm.sh
 * --append MONSTER_STRESS=long: the kernel hands unknown words to init's
 * environment) makes every scenario run longer; the default is the short
 * version `make check` runs. MONSTER_SEED=<n> repeats a run's random choices
 * (each program prints the seed it used).
 */
#ifndef MONSTER_VMSTRESS_H
#define MONSTER_VMSTRESS_H

#include "vmtest.h"

/* ---- the program and its stress level ------------------------------------------------- */

bool vs_long(void);
/* A duration: the short one for make check, the long one for make check-stress. */
unsigned int vs_ms(unsigned int short_ms, unsigned int long_ms);
/*
 * Start a stress program: vt_begin(), the watchdog at long_secs in the long
 * version, the kernel log's mark for vs_kmsg_check() in *kmsg_mark. Returns
 * the run's seed (th_seed(), printed).
 */
uint64_t vs_begin(const char *prog, unsigned int long_secs, uint64_t *kmsg_mark);

/* ---- kernel log, per scenario ---------------------------------------------------------- */

/*
 * FAIL <name> if the kernel logged a warning, BUG, oops, lockup, stall or OOM
 * kill since *mark; PASS otherwise. Moves *mark on.
 */
void vs_kmsg_check(uint64_t *mark, const char *name);

/* ---- ring arithmetic ------------------------------------------------------------------ */

/*
 * While the sampler runs a GET_STATS snapshot is not atomic, but these hold
 * whatever the interleaving (head is read first, the tail in force never
 * passes the published head, the producer never gets more than slots ahead
 * of the tail in force, counters only grow): tail <= head, fill == head -
 * tail <= slots, head <= produced. Returns the number of rings that break a
 * rule; *why gets the first.
 */
int vs_arith_running(const struct monster_stats *st, char *why, size_t len);
/*
 * One check: the sampler is stopped and, per ring, produced == head +
 * dropped, the tail in force within [head - slots, head], fill == head -
 * tail, slots as configured, in GET_STATS and (if d is mapped) in the mapped
 * ring headers too.
 */
bool vs_check_arith(int fd, const struct vt_dev *d, const char *name);

/* ---- an honest consumer with exact accounting ----------------------------------------- */

/*
 * Reads every record of every ring from where it started, validates each one
 * and follows seq. With guard set (another process writes the tails page, so
 * the tail in force may pass what this consumer has read), each record is
 * copied and head read again: one the producer may have lapped meanwhile is
 * counted in at_risk, not judged.
 */
struct vs_consumer {
	struct vt_dev d;
	struct vt_seq q;
	struct vt_validity v;
	int scope;				/* MONSTER_SCOPE_* or -1 */
	struct monster_stats s0;		/* at the start, sampler stopped */
	uint64_t consumed[MONSTER_NR_RINGS];
	uint64_t at_risk;
	bool write_tail;			/* release what was read (default) */
	bool guard;				/* see above (default off) */
	/* called for every record judged (optional) */
	void (*on_rec)(void *arg, unsigned int ring, const struct monster_sample *s);
	void *arg;
};

/* Open, map, release everything already in the rings; the sampler must be stopped. */
int vs_consumer_begin(struct vs_consumer *c, int scope);
/* Consume what is ready in every ring; returns the number of records. */
uint64_t vs_consume(struct vs_consumer *c);
/* Consume for ms milliseconds, napping 1 ms whenever the rings are empty. */
void vs_consume_for(struct vs_consumer *c, unsigned int ms);
/*
 * The sampler is stopped: consume the rest and judge. Checks:
 *   <prefix>-records-valid  every record obeys the record rules
 *   <prefix>-seq-exact      per ring: records read == head moved, seq never
 *                           backwards, the seq gaps (+ drops after the last
 *                           record) == the ring's dropped count moved
 *   <prefix>-arith          vs_check_arith()
 * Returns the number of records read.
 */
uint64_t vs_consumer_finish(struct vs_consumer *c, const char *prefix, bool allow_risk);
void vs_consumer_end(struct vs_consumer *c);

/* ---- memory --------------------------------------------------------------------------- */

/* MemAvailable in KiB (0 if unknown) */
long long vs_mem_available_kb(void);
/*
 * MemAvailable once the dust has settled: caches dropped, deferred frees
 * (RCU callbacks, offloaded on PREEMPT_RT) given time to run. For leak
 * checks by the tens of MiB (a ring set is 45 MiB by default).
 */
long long vs_settled_mem_kb(void);

#endif /* MONSTER_VMSTRESS_H */
