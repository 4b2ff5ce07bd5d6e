/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmstress.h - what the stress and fuzz programs (tests/vm/t_9*_*.c) share on
 * top of vmtest.h: the stress level, a reproducible PRNG, the ring
 * arithmetic checks, a kernel-log check per scenario and an honest consumer
 * with exact drop accounting. Header-only (static inline) because tests.mk
 * links each program with vmtest.c alone.
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

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- stress level --------------------------------------------------------------------- */

static inline bool vs_long(void)
{
	const char *s = getenv("MONSTER_STRESS");

	return s && strcmp(s, "long") == 0;
}

/* A duration: the short one for make check, the long one for make check-stress. */
static inline unsigned int vs_ms(unsigned int short_ms, unsigned int long_ms)
{
	return vs_long() ? long_ms : short_ms;
}

/* Re-arm the program's watchdog (vt_begin() sets 170 s) for a longer run. */
static inline void vs_watchdog(unsigned int secs)
{
	alarm(secs);
}

/* ---- random numbers ------------------------------------------------------------------- */

struct vs_rng {
	uint64_t s;
};

static inline uint64_t vs_rand(struct vs_rng *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

/* uniform enough in [0, n) for n > 0 */
static inline uint64_t vs_below(struct vs_rng *r, uint64_t n)
{
	return n ? vs_rand(r) % n : 0;
}

static inline uint64_t vs_seed(void)
{
	const char *s = getenv("MONSTER_SEED");
	uint64_t seed = s ? strtoull(s, NULL, 0) : (vt_now_ns() ^ ((uint64_t)getpid() << 32));

	if (!seed)
		seed = 0x9E3779B97F4A7C15ULL;
	vt_note("random seed %" PRIu64 " (MONSTER_SEED=%" PRIu64 " repeats this run)", seed, seed);
	return seed;
}

static inline void vs_rng_init(struct vs_rng *r, uint64_t seed, uint64_t stream)
{
	r->s = seed ^ (stream * 0xD1B54A32D192ED03ULL);
	if (!r->s)
		r->s = 1;
	vs_rand(r);
}

/* ---- kernel log, per scenario ---------------------------------------------------------- */

/*
 * FAIL <name> if the kernel logged a warning, BUG, oops, lockup, stall or OOM
 * kill since *mark; PASS otherwise. Moves *mark on.
 */
static inline void vs_kmsg_check(uint64_t *mark, const char *name)
{
	static const char *const more[] = { "invoked oom-killer", "Out of memory",
					     "Bad page", "bad page", "page dumped because" };
	uint64_t last = *mark;
	char *text = vt_kmsg_read(*mark, &last);
	char line[400];
	const char *bad = NULL;
	size_t i;

	if (!text) {
		vt_fail(name, "cannot read /dev/kmsg: %s", strerror(errno));
		return;
	}
	bad = vt_kmsg_find_bad(text, line, sizeof(line));
	for (i = 0; !bad && i < VT_ARRAY_SIZE(more); i++) {
		const char *p = strstr(text, more[i]);

		if (p) {
			const char *nl = strchr(p, '\n');
			size_t l = nl ? (size_t)(nl - p) : strlen(p);

			if (l >= sizeof(line))
				l = sizeof(line) - 1;
			memcpy(line, p, l);
			line[l] = 0;
			bad = line;
		}
	}
	vt_check(!bad, name, "kernel log since the scenario began: %s", bad ? bad : "clean");
	free(text);
	*mark = last;
}

/* ---- ring arithmetic ------------------------------------------------------------------ */

/*
 * With the sampler stopped: per ring produced == head + dropped, the tail in
 * force within [head - slots, head], fill == head - tail, slots as configured.
 * Returns the number of rings that break a rule; *why gets the first.
 */
static inline int vs_arith_quiet(const struct monster_stats *st, uint32_t slots, char *why,
				 size_t len)
{
	int bad = 0;
	unsigned int r;

	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		const struct monster_ring_stats *s = &st->ring[r];

		if (s->produced == s->head + s->dropped && s->tail <= s->head &&
		    s->head - s->tail <= slots && s->fill == s->head - s->tail &&
		    s->slots == slots && s->prime == monster_prime(r))
			continue;
		if (!bad++)
			snprintf(why, len,
				 "ring %u: produced %" PRIu64 " head %" PRIu64 " dropped %" PRIu64
				 " tail %" PRIu64 " fill %" PRIu64 " slots %u (want %u) prime %u",
				 r, (uint64_t)s->produced, (uint64_t)s->head, (uint64_t)s->dropped,
				 (uint64_t)s->tail, (uint64_t)s->fill, s->slots, slots, s->prime);
	}
	return bad;
}

/*
 * While the sampler runs a GET_STATS snapshot is not atomic, but these hold
 * whatever the interleaving (head is read first, the tail in force never
 * passes the published head, the producer never gets more than slots ahead
 * of the tail in force, counters only grow): tail <= head, fill == head -
 * tail <= slots, head <= produced.
 */
static inline int vs_arith_running(const struct monster_stats *st, char *why, size_t len)
{
	int bad = 0;
	unsigned int r;

	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		const struct monster_ring_stats *s = &st->ring[r];

		if (s->tail <= s->head && s->head - s->tail <= s->slots &&
		    s->fill == s->head - s->tail && s->head <= s->produced)
			continue;
		if (!bad++)
			snprintf(why, len,
				 "ring %u: head %" PRIu64 " tail %" PRIu64 " fill %" PRIu64
				 " slots %u produced %" PRIu64 " dropped %" PRIu64,
				 r, (uint64_t)s->head, (uint64_t)s->tail, (uint64_t)s->fill, s->slots,
				 (uint64_t)s->produced, (uint64_t)s->dropped);
	}
	return bad;
}

/*
 * One check: the sampler is stopped and the arithmetic holds in GET_STATS and
 * (if d is mapped) in the mapped ring headers too.
 */
static inline bool vs_check_arith(int fd, const struct vt_dev *d, const char *name)
{
	struct monster_stats st;
	struct monster_info in;
	char why[400] = "";
	unsigned int r;
	int err, bad;

	err = vt_get_stats(fd, &st);
	if (!err)
		err = vt_ioctl(fd, MONSTER_IOC_GET_INFO, &in);
	if (err) {
		vt_fail(name, "GET_STATS/GET_INFO: %s", strerror(err));
		return false;
	}
	bad = vs_arith_quiet(&st, in.ring_slots, why, sizeof(why));
	if (!bad && d && d->hdr && d->info.ring_slots == in.ring_slots) {
		for (r = 0; r < MONSTER_NR_RINGS; r++) {
			const struct monster_ring_header *h = &d->hdr->ring[r];

			if (h->head == st.ring[r].head && h->produced == st.ring[r].produced &&
			    h->dropped == st.ring[r].dropped)
				continue;
			if (!bad++)
				snprintf(why, sizeof(why),
					 "ring %u: mapped header head %" PRIu64 " produced %" PRIu64
					 " dropped %" PRIu64 " vs GET_STATS %" PRIu64 "/%" PRIu64
					 "/%" PRIu64, r, (uint64_t)h->head, (uint64_t)h->produced,
					 (uint64_t)h->dropped, (uint64_t)st.ring[r].head,
					 (uint64_t)st.ring[r].produced, (uint64_t)st.ring[r].dropped);
		}
	}
	return vt_check(!st.running && bad == 0, name,
			"%s; produced == head + dropped, tail <= head, head - tail <= %u slots in all 15 rings%s%s",
			st.running ? "sampler STILL RUNNING" : "sampler stopped", in.ring_slots,
			bad ? ": broken in " : "", bad ? why : "");
}

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
static inline int vs_consumer_begin(struct vs_consumer *c, int scope)
{
	unsigned int r;
	int err;

	memset(c, 0, sizeof(*c));
	c->scope = scope;
	c->write_tail = true;
	vt_seq_init(&c->q);
	err = vt_open(&c->d);
	if (err)
		return -err;
	err = vt_map(&c->d);
	if (err) {
		vt_close(&c->d);
		return -err;
	}
	vt_drain(&c->d);
	err = vt_get_stats(c->d.fd, &c->s0);
	if (err) {
		vt_close(&c->d);
		return err;
	}
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		/* start at head (what vt_drain released), expecting seq == produced */
		c->d.ctail[r] = c->s0.ring[r].head;
		vt_seq_expect(&c->q, r, c->s0.ring[r].produced);
	}
	return 0;
}

/* Consume what is ready in every ring; returns the number of records. */
static inline uint64_t vs_consume(struct vs_consumer *c)
{
	struct vt_dev *d = &c->d;
	uint64_t total = 0, slots = d->info.ring_slots;
	unsigned int r;

	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		uint64_t head = vt_head(d, r), idx;
		/* after head: every record published so far began its sweep before now */
		uint64_t now = vt_now_ns();

		for (idx = d->ctail[r]; idx < head; idx++) {
			struct monster_sample s;
			uint64_t h2;

			memcpy(&s, vt_rec(d, r, idx), sizeof(s));
			if (c->guard) {
				__atomic_thread_fence(__ATOMIC_ACQUIRE);
				h2 = vt_head(d, r);
				/*
				 * the producer may be writing up to one batch (256 pids, so
				 * at most 256 records per ring) past the published head
				 */
				if (h2 + 256 + 64 >= idx + slots) {
					c->at_risk++;
					continue;
				}
			}
			vt_seq_add(&c->q, r, s.seq);
			vt_validity_add(&c->v, d, r, idx, &s, now, c->scope);
			c->consumed[r]++;
			if (c->on_rec)
				c->on_rec(c->arg, r, &s);
		}
		if (head > d->ctail[r]) {
			total += head - d->ctail[r];
			if (c->write_tail)
				vt_set_tail(d, r, head);
			else
				d->ctail[r] = head;
		}
	}
	return total;
}

/*
 * The sampler is stopped: consume the rest and judge. Checks:
 *   <prefix>-records-valid  every record obeys the record rules
 *   <prefix>-seq-exact      per ring: records read == head moved, seq never
 *                           backwards, the seq gaps (+ drops after the last
 *                           record) == the ring's dropped count moved
 *   <prefix>-arith          vs_check_arith()
 * Returns the number of records read.
 */
static inline uint64_t vs_consumer_finish(struct vs_consumer *c, const char *prefix, bool allow_risk)
{
	struct monster_stats s1;
	char name[128], why[400] = "";
	uint64_t total = 0, drops = 0;
	unsigned int r;
	int bad = 0, err;

	vs_consume(c);
	err = vt_get_stats(c->d.fd, &s1);
	snprintf(name, sizeof(name), "%s-records-valid", prefix);
	vt_validity_report_one(&c->v, name);
	snprintf(name, sizeof(name), "%s-seq-exact", prefix);
	for (r = 0; !err && r < MONSTER_NR_RINGS; r++) {
		uint64_t moved = s1.ring[r].head - c->s0.ring[r].head;
		uint64_t dropped = s1.ring[r].dropped - c->s0.ring[r].dropped;
		uint64_t seen = c->q.gaps[r] + (s1.ring[r].produced - c->q.expect[r]);

		total += c->consumed[r];
		drops += dropped;
		if (c->q.backwards[r] ||
		    (!c->at_risk && (c->consumed[r] != moved || seen != dropped))) {
			if (!bad++)
				snprintf(why, sizeof(why),
					 "ring %u: read %" PRIu64 " of %" PRIu64 " published, %" PRIu64
					 " seq backwards, seq gaps say %" PRIu64 " dropped, counters %" PRIu64,
					 r, c->consumed[r], moved, c->q.backwards[r], seen, dropped);
		}
	}
	if (err)
		vt_fail(name, "GET_STATS: %s", strerror(err));
	else
		vt_check(bad == 0 && (allow_risk || c->at_risk == 0), name,
			 "%" PRIu64 " records read, %" PRIu64 " dropped, %" PRIu64
			 " possibly overwritten (another writer of the tails)%s%s",
			 total, drops, c->at_risk, bad ? "; " : "", why);
	snprintf(name, sizeof(name), "%s-arith", prefix);
	vs_check_arith(c->d.fd, &c->d, name);
	return total;
}

static inline void vs_consumer_end(struct vs_consumer *c)
{
	vt_close(&c->d);
}

/* ---- misc ----------------------------------------------------------------------------- */

/* MemAvailable in KiB (0 if unknown) */
static inline long long vs_mem_available_kb(void)
{
	char buf[4096];
	const char *p;

	if (vt_read_file("/proc/meminfo", buf, sizeof(buf)) <= 0)
		return 0;
	p = strstr(buf, "MemAvailable:");
	return p ? strtoll(p + 13, NULL, 10) : 0;
}

/*
 * MemAvailable once the dust has settled: caches dropped, deferred frees
 * (RCU callbacks, offloaded on PREEMPT_RT) given time to run. For leak
 * checks by the tens of MiB (a ring set is 45 MiB by default).
 */
static inline long long vs_settled_mem_kb(void)
{
	sync();
	vt_write_file("/proc/sys/vm/drop_caches", "3");
	vt_sleep_ms(500);
	vt_write_file("/proc/sys/vm/drop_caches", "3");
	return vs_mem_available_kb();
}

static inline bool vs_module_loaded(void)
{
	return access("/sys/module/monster", F_OK) == 0;
}

/* delete_module("monster", O_NONBLOCK): 0 or errno */
static inline int vs_rmmod(void)
{
	return syscall(SYS_delete_module, "monster", O_NONBLOCK) ? errno : 0;
}

/* SET_CONFIG ring_slots (everything else as it is): 0 or errno */
static inline int vs_set_slots(int fd, uint32_t slots)
{
	struct monster_config c;
	int err = vt_get_config(fd, &c);

	if (err)
		return err;
	c.ring_slots = slots;
	return vt_set_config(fd, &c);
}

#endif /* MONSTER_VMSTRESS_H */
