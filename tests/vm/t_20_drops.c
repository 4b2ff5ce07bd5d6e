// SPDX-License-Identifier: GPL-2.0
/*
 * t_20_drops - drop accounting with a consumer that stalls. Rings of 64 slots
 * fill within a sweep or two; a full ring drops new records (counted) and
 * never overwrites what the consumer holds. Then a consumer that reads only a
 * little at a time, then everything: per ring, produced = consumed + dropped +
 * still in the ring, produced = head + dropped, and the seq gaps the consumer
 * saw plus the drops after its last record are exactly the ring's drops.
 */
#include "vmtest.h"

#include <stdlib.h>
#include <unistd.h>

#define SMALL_SLOTS 64

struct ctx {
	struct vt_dev *d;
	struct vt_seq seq;
	struct vt_validity val;
	uint64_t consumed[MONSTER_NR_RINGS];
	uint64_t last_delta[MONSTER_NR_RINGS];	/* seq - index: the drops before a record */
	uint64_t delta_back;
	char delta_first[160];
};

static void on_rec(void *arg, unsigned int ring, uint64_t idx, const struct monster_sample *s)
{
	struct ctx *c = arg;
	uint64_t delta = s->seq - idx;

	vt_seq_add(&c->seq, ring, s->seq);
	vt_validity_add(&c->val, c->d, ring, idx, s, 0, MONSTER_SCOPE_PROCESS);
	c->consumed[ring]++;
	if (s->seq < idx || delta < c->last_delta[ring]) {
		if (!c->delta_back++)
			snprintf(c->delta_first, sizeof(c->delta_first),
				 "ring %u index %" PRIu64 " seq %" PRIu64 " after seq-index %" PRIu64, ring,
				 idx, (uint64_t)s->seq, c->last_delta[ring]);
	} else {
		c->last_delta[ring] = delta;
	}
}

/*
 * A consumer that keeps up with 1000 sweeps a second on the default rings:
 * every record complete and valid when head says it is, and the accounting
 * exact whether or not anything was dropped.
 */
static void fast_consumer(struct vt_dev *d)
{
	struct monster_stats s0, s1;
	struct ctx *f = calloc(1, sizeof(*f));
	uint64_t end, bad = 0, cons = 0, drops = 0, prod = 0;
	char first[256] = "";
	unsigned int r;
	int err;

	if (!f)
		vt_bail("drops-setup", "out of memory");
	f->d = d;
	vt_seq_init(&f->seq);
	vt_map_or_bail(d, "drops-map");
	vt_spawn_variety(4);
	err = vt_set_rate_scope(d->fd, 1000, MONSTER_SCOPE_PROCESS);
	vt_drain(d);
	vt_get_stats_or_bail(d->fd, &s0, "drops-stats");
	for (r = 0; r < MONSTER_NR_RINGS; r++)
		vt_seq_expect(&f->seq, r, s0.ring[r].produced);
	if (!err)
		err = vt_start(d->fd);
	end = th_now_ns() + 1000000000ULL;
	while (th_now_ns() < end)
		if (!vt_consume_all(d, on_rec, f))
			th_sleep_ms(1);
	vt_stop(d->fd);
	vt_consume_all(d, on_rec, f);
	vt_get_stats_or_bail(d->fd, &s1, "drops-stats");
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		uint64_t p = s1.ring[r].produced - s0.ring[r].produced;
		uint64_t dr = s1.ring[r].dropped - s0.ring[r].dropped;

		prod += p;
		cons += f->consumed[r];
		drops += dr;
		if (p != f->consumed[r] + dr || f->seq.backwards[r] ||
		    f->seq.gaps[r] + (s1.ring[r].produced - f->seq.expect[r]) != dr) {
			if (!bad++)
				snprintf(first, sizeof(first),
					 "ring %u: produced %" PRIu64 " consumed %" PRIu64 " dropped %" PRIu64
					 " gaps %" PRIu64 " backwards %" PRIu64, r, p, f->consumed[r], dr,
					 f->seq.gaps[r], f->seq.backwards[r]);
		}
	}
	th_check(!err && bad == 0 && cons > 0 && s1.sweeps - s0.sweeps > 100,
		 "drops-fast-consumer-accounting",
		 "1 s at 1000 Hz (%s, %" PRIu64 " sweeps): produced %" PRIu64 " = consumed %" PRIu64
		 " + dropped %" PRIu64 ", seq gaps = drops, in %u of 15 rings%s%s",
		 err ? strerror(err) : "started", (uint64_t)(s1.sweeps - s0.sweeps), prod, cons, drops,
		 15 - (unsigned int)bad, bad ? "; first off: " : "", first);
	vt_validity_report_one(&f->val, "drops-fast-consumer-record-rules");
	vt_kill_children();
	vt_unmap(d);
	free(f);
}

int main(void)
{
	struct monster_stats s0, s1, st;
	struct vt_dev d;
	struct ctx *c;
	uint64_t T0[MONSTER_NR_RINGS], S0[MONSTER_NR_RINGS];
	uint32_t orig_slots;
	unsigned int r;
	int err, i;

	vt_begin("t_20_drops");
	c = calloc(1, sizeof(*c));
	if (!c)
		vt_bail("drops-setup", "out of memory");
	vt_open_or_bail(&d, "drops-open");
	c->d = &d;
	vt_seq_init(&c->seq);
	vt_stop(d.fd);
	orig_slots = d.info.ring_slots;
	vt_set_rate_scope_or_bail(d.fd, 100, MONSTER_SCOPE_PROCESS, "drops-config");

	/* small rings: only while stopped, unmapped and the only opener */
	err = vt_resize(&d, SMALL_SLOTS);
	th_check(!err && d.info.ring_slots == SMALL_SLOTS &&
		 d.info.ring_bytes == SMALL_SLOTS * sizeof(struct monster_sample) &&
		 d.info.data_size >= MONSTER_NR_RINGS * d.info.ring_bytes &&
		 d.info.map_size >= d.info.data_offset + d.info.data_size, "drops-resize-small",
		 "SET_CONFIG ring_slots %u -> %d: %s; info ring_slots %u ring_bytes %" PRIu64
		 " data_size %" PRIu64 " map_size %" PRIu64, orig_slots, SMALL_SLOTS,
		 err ? strerror(err < 0 ? -err : err) : "ok", d.info.ring_slots,
		 (uint64_t)d.info.ring_bytes, (uint64_t)d.info.data_size, (uint64_t)d.info.map_size);
	if (err || d.info.ring_slots != SMALL_SLOTS)
		return vt_end();
	vt_map_or_bail(&d, "drops-map");
	th_check(d.hdr->shared.ring_slots == SMALL_SLOTS && d.hdr->ring[7].slots == SMALL_SLOTS,
		 "drops-resize-headers", "mapped headers after the resize: shared ring_slots %u, ring 7 slots %u",
		 d.hdr->shared.ring_slots, d.hdr->ring[7].slots);
	vt_spawn_variety(6);

	/* a consumer that has read everything, then stalls */
	vt_drain(&d);
	vt_get_stats_or_bail(d.fd, &s0, "drops-stats");
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		T0[r] = vt_head(&d, r);
		S0[r] = s0.ring[r].produced;
		vt_seq_expect(&c->seq, r, S0[r]);
	}
	err = vt_start(d.fd);
	if (err)
		vt_bail("drops-start", "START: %s", strerror(err));
	{
		uint64_t end = th_now_ns() + 10000000000ULL, sw0 = s0.sweeps, drops = 0;

		for (;;) {
			vt_get_stats_or_bail(d.fd, &st, "drops-stats");
			drops = VT_RING_SUM(&st, dropped) - VT_RING_SUM(&s0, dropped);
			if ((drops > 0 && st.sweeps - sw0 >= 15) || th_now_ns() > end)
				break;
			th_sleep_ms(10);
		}
		th_note("stalled for %" PRIu64 " sweeps, %" PRIu64 " records dropped", (uint64_t)(st.sweeps - sw0),
			drops);
	}

	/* while still running: full rings hold exactly their oldest records */
	{
		unsigned int over = 0, full = 0, bad_seq = 0, bad_fill = 0;
		char first[200] = "", first_seq[200] = "";

		vt_get_stats_or_bail(d.fd, &st, "drops-stats");
		for (r = 0; r < MONSTER_NR_RINGS; r++) {
			uint64_t head = vt_head(&d, r), k;

			if (head - T0[r] > SMALL_SLOTS) {
				if (!over++)
					snprintf(first, sizeof(first),
						 "ring %u holds %" PRIu64 " records, slots %d", r,
						 head - T0[r], SMALL_SLOTS);
			}
			if (st.ring[r].fill > SMALL_SLOTS || st.ring[r].tail != T0[r])
				bad_fill++;
			if (head - T0[r] == SMALL_SLOTS && st.ring[r].dropped > s0.ring[r].dropped)
				full++;
			for (k = 0; k < head - T0[r] && k < SMALL_SLOTS; k++) {
				const struct monster_sample *s = vt_rec(&d, r, T0[r] + k);

				if (s->seq != S0[r] + k) {
					if (!bad_seq++)
						snprintf(first_seq, sizeof(first_seq),
							 "ring %u index %" PRIu64 ": seq %" PRIu64 ", want %" PRIu64,
							 r, T0[r] + k, (uint64_t)s->seq, S0[r] + k);
					break;
				}
			}
		}
		th_check(over == 0 && bad_fill == 0, "drops-never-overfill",
			 "stalled consumer: %u rings hold more than %d records, %u rings with GET_STATS fill > slots or tail moved%s%s",
			 over, SMALL_SLOTS, bad_fill, over ? "; first: " : "", first);
		th_check(full > 0, "drops-full-ring-drops",
			 "%u rings full (%d records) and counting drops while the consumer stalls",
			 full, SMALL_SLOTS);
		th_check(bad_seq == 0, "drops-oldest-kept",
			 "every ring's unread records are the first ones generated after the stall began (seq S0, S0+1, ...): %u rings differ%s%s",
			 bad_seq, bad_seq ? "; first: " : "", first_seq);
	}

	/* a slow consumer: a few records per ring at a time, while running */
	for (i = 0; i < 30; i++) {
		for (r = 0; r < MONSTER_NR_RINGS; r++)
			vt_consume(&d, r, 16, on_rec, c);
		th_sleep_ms(20);
	}
	/* then everything */
	err = vt_stop(d.fd);
	vt_consume_all(&d, on_rec, c);
	vt_get_stats_or_bail(d.fd, &s1, "drops-stats");
	th_check(!err && !s1.running, "drops-stop", "STOP: %s, running %u", err ? strerror(err) : "ok",
		 s1.running);

	{
		unsigned int bad_cons = 0, bad_hdr = 0, bad_stats = 0, bad_gap = 0;
		uint64_t tot_prod = 0, tot_cons = 0, tot_drop = 0, tot_gaps = 0;
		char f_cons[256] = "", f_hdr[200] = "", f_stats[200] = "", f_gap[256] = "";

		for (r = 0; r < MONSTER_NR_RINGS; r++) {
			const struct monster_ring_header *h = &d.hdr->ring[r];
			const struct monster_ring_stats *rs = &s1.ring[r];
			uint64_t produced = rs->produced - S0[r];
			uint64_t dropped = rs->dropped - s0.ring[r].dropped;
			uint64_t in_ring = rs->head - d.ctail[r];
			uint64_t after_last = rs->produced - c->seq.expect[r];

			tot_prod += produced;
			tot_cons += c->consumed[r];
			tot_drop += dropped;
			tot_gaps += c->seq.gaps[r];
			if (produced != c->consumed[r] + dropped + in_ring) {
				if (!bad_cons++)
					snprintf(f_cons, sizeof(f_cons),
						 "ring %u: produced %" PRIu64 " != consumed %" PRIu64
						 " + dropped %" PRIu64 " + in ring %" PRIu64, r, produced,
						 c->consumed[r], dropped, in_ring);
			}
			if (h->produced != h->head + h->dropped) {
				if (!bad_hdr++)
					snprintf(f_hdr, sizeof(f_hdr),
						 "ring %u: header produced %" PRIu64 " head %" PRIu64
						 " dropped %" PRIu64, r, (uint64_t)h->produced,
						 (uint64_t)h->head, (uint64_t)h->dropped);
			}
			if (rs->head != h->head || rs->produced != h->produced ||
			    rs->dropped != h->dropped || rs->tail != d.ctail[r] || rs->fill != 0) {
				if (!bad_stats++)
					snprintf(f_stats, sizeof(f_stats),
						 "ring %u: stats head %" PRIu64 " produced %" PRIu64
						 " dropped %" PRIu64 " tail %" PRIu64 " fill %" PRIu64
						 "; header head %" PRIu64 ", consumer tail %" PRIu64, r,
						 (uint64_t)rs->head, (uint64_t)rs->produced,
						 (uint64_t)rs->dropped, (uint64_t)rs->tail, (uint64_t)rs->fill,
						 (uint64_t)h->head, d.ctail[r]);
			}
			if (c->seq.gaps[r] + after_last != dropped || c->seq.backwards[r]) {
				if (!bad_gap++)
					snprintf(f_gap, sizeof(f_gap),
						 "ring %u: seq gaps %" PRIu64 " + dropped after the last record %"
						 PRIu64 " != dropped %" PRIu64 " (%" PRIu64 " seq backwards)", r,
						 c->seq.gaps[r], after_last, dropped, c->seq.backwards[r]);
			}
		}
		th_check(bad_cons == 0 && tot_drop > 0, "drops-conservation",
			 "produced %" PRIu64 " = consumed %" PRIu64 " + dropped %" PRIu64
			 " + left in rings, in %u of 15 rings%s%s", tot_prod, tot_cons, tot_drop,
			 15 - bad_cons, bad_cons ? "; first off: " : "", f_cons);
		th_check(bad_hdr == 0, "drops-produced-is-head-plus-dropped",
			 "%u of 15 ring headers break produced == head + dropped%s%s", bad_hdr,
			 bad_hdr ? "; first: " : "", f_hdr);
		th_check(bad_stats == 0, "drops-stats-match",
			 "%u of 15 rings: GET_STATS head/produced/dropped differ from the header or tail/fill from the drained consumer%s%s",
			 bad_stats, bad_stats ? "; first: " : "", f_stats);
		th_check(bad_gap == 0 && tot_gaps > 0, "drops-seq-gaps-exact",
			 "seq gaps seen by the consumer %" PRIu64 " (want > 0) + drops after its last record = dropped in every ring: %u rings off%s%s",
			 tot_gaps, bad_gap, bad_gap ? "; first: " : "", f_gap);
		th_check(c->delta_back == 0, "drops-seq-minus-index",
			 "seq - index (drops before a record) never decreases along a ring: %" PRIu64
			 " violations%s%s", c->delta_back, c->delta_back ? "; first: " : "",
			 c->delta_first);
	}
	vt_validity_report_one(&c->val, "drops-record-rules");

	/* restore the rings */
	vt_kill_children();
	vt_unmap(&d);
	err = vt_resize(&d, orig_slots);
	th_check(!err && d.info.ring_slots == orig_slots, "drops-resize-back",
		 "SET_CONFIG ring_slots %d -> %u: %s; info ring_slots %u", SMALL_SLOTS, orig_slots,
		 err ? strerror(err < 0 ? -err : err) : "ok", d.info.ring_slots);
	fast_consumer(&d);
	vt_close(&d);
	free(c);
	return vt_end();
}
