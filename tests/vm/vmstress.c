// SPDX-License-Identifier: GPL-2.0
/*
 * vmstress.c - what the stress and fuzz programs share; see vmstress.h.
 */
#include "vmstress.h"

#include <stdlib.h>
#include <unistd.h>

/* ---- the program and its stress level ------------------------------------------------- */

bool vs_long(void)
{
	const char *s = getenv("MONSTER_STRESS");

	return s && strcmp(s, "long") == 0;
}

unsigned int vs_ms(unsigned int short_ms, unsigned int long_ms)
{
	return vs_long() ? long_ms : short_ms;
}

uint64_t vs_begin(const char *prog, unsigned int long_secs, uint64_t *kmsg_mark)
{
	uint64_t seed;

	vt_begin(prog);
	vt_watchdog(vs_long() ? long_secs : VT_WATCHDOG_S);
	seed = th_seed();
	*kmsg_mark = vt_kmsg_mark();
	return seed;
}

/* ---- kernel log, per scenario ---------------------------------------------------------- */

void vs_kmsg_check(uint64_t *mark, const char *name)
{
	static const char *const more[] = { "invoked oom-killer", "Out of memory",
					     "Bad page", "bad page", "page dumped because" };
	uint64_t last = *mark;
	char *text = vt_kmsg_read(*mark, &last);
	char line[400];
	const char *found;

	if (!text) {
		th_fail(name, "cannot read /dev/kmsg: %s", strerror(errno));
		return;
	}
	found = vt_kmsg_find_bad(text, line, sizeof(line));
	if (!found)
		found = vt_find_line(text, more, TH_ARRAY_SIZE(more), line, sizeof(line));
	th_check(!found, name, "kernel log since the scenario began: %s", found ? found : "clean");
	free(text);
	*mark = last;
}

/* ---- ring arithmetic ------------------------------------------------------------------ */

/*
 * With the sampler stopped: per ring produced == head + dropped, the tail in
 * force within [head - slots, head], fill == head - tail, slots as configured.
 * Returns the number of rings that break a rule; *why gets the first.
 */
static int vs_arith_quiet(const struct monster_stats *st, uint32_t slots, char *why, size_t len)
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

int vs_arith_running(const struct monster_stats *st, char *why, size_t len)
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

bool vs_check_arith(int fd, const struct vt_dev *d, const char *name)
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
		th_fail(name, "GET_STATS/GET_INFO: %s", strerror(err));
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
	return th_check(!st.running && bad == 0, name,
			"%s; produced == head + dropped, tail <= head, head - tail <= %u slots in all 15 rings%s%s",
			st.running ? "sampler STILL RUNNING" : "sampler stopped", in.ring_slots,
			bad ? ": broken in " : "", bad ? why : "");
}

int vs_consumer_begin(struct vs_consumer *c, int scope)
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

uint64_t vs_consume(struct vs_consumer *c)
{
	struct vt_dev *d = &c->d;
	uint64_t total = 0, slots = d->info.ring_slots;
	unsigned int r;

	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		uint64_t head = vt_head(d, r), idx;
		/* after head: every record published so far began its sweep before now */
		uint64_t now = th_now_ns();

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

uint64_t vs_consumer_finish(struct vs_consumer *c, const char *prefix, bool allow_risk)
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
		th_fail(name, "GET_STATS: %s", strerror(err));
	else
		th_check(bad == 0 && (allow_risk || c->at_risk == 0), name,
			 "%" PRIu64 " records read, %" PRIu64 " dropped, %" PRIu64
			 " possibly overwritten (another writer of the tails)%s%s",
			 total, drops, c->at_risk, bad ? "; " : "", why);
	snprintf(name, sizeof(name), "%s-arith", prefix);
	vs_check_arith(c->d.fd, &c->d, name);
	return total;
}

void vs_consume_for(struct vs_consumer *c, unsigned int ms)
{
	uint64_t t0 = th_now_ns();

	while (th_now_ns() - t0 < (uint64_t)ms * 1000000ULL)
		if (!vs_consume(c))
			th_sleep_ms(1);
}

void vs_consumer_end(struct vs_consumer *c)
{
	vt_close(&c->d);
}

/* ---- memory --------------------------------------------------------------------------- */

long long vs_mem_available_kb(void)
{
	char buf[4096];
	const char *p;

	if (vt_read_file("/proc/meminfo", buf, sizeof(buf)) <= 0)
		return 0;
	p = strstr(buf, "MemAvailable:");
	return p ? strtoll(p + 13, NULL, 10) : 0;
}

long long vs_settled_mem_kb(void)
{
	sync();
	vt_write_file("/proc/sys/vm/drop_caches", "3");
	th_sleep_ms(500);
	vt_write_file("/proc/sys/vm/drop_caches", "3");
	return vs_mem_available_kb();
}
