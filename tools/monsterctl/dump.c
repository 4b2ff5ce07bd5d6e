// SPDX-License-Identifier: GPL-2.0
/*
 * dump.c - monsterctl dump: print records, as a table or one JSON object
 * a line, and consume them as any consumer does (the tail moves on).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json_writer.h"
#include "monsterctl.h"
#include "parse_num.h"

/* with --count and no --timeout, how long to wait for the records to come */
#define DUMP_COUNT_TIMEOUT_MS 2000

struct dump {
	unsigned long ring;	/* ULONG_MAX: every ring */
	unsigned long count;	/* 0: what is ready now */
	unsigned long timeout;	/* ms to wait for count records */
	bool timed;		/* --timeout given */
	bool json;
	struct jsonw w;
	int print_err;		/* the JSON writer failed */
	unsigned long done;	/* records printed and released */
};

static int dump_option(int opt, const char *arg, void *ctx)
{
	struct dump *d = ctx;

	switch (opt) {
	case 'r':
		if (parse_ulong(arg, 0, MONSTER_NR_RINGS - 1, &d->ring))
			return usage_error("ring must be 0..%u (got '%s')", MONSTER_NR_RINGS - 1,
					   arg);
		break;
	case 'c':
		if (parse_ulong(arg, 1, UINT_MAX, &d->count))
			return usage_error("count must be a positive integer (got '%s')", arg);
		break;
	case 't':
		if (parse_ulong(arg, 0, INT_MAX, &d->timeout))
			return usage_error("timeout must be milliseconds >= 0 (got '%s')", arg);
		d->timed = true;
		break;
	case 'j':
		d->json = true;
		break;
	}
	return 0;
}

static char state_char(unsigned int state)
{
	return state < sizeof(MONSTER_STATE_CHARS) - 1 ? MONSTER_STATE_CHARS[state] : '?';
}

static void print_header(void)
{
	printf("%4s %5s %10s %16s %7s %7s %3s %s %-16s %10s %11s %-18s %5s\n", "RING", "PRIME",
	       "SEQ", "TIME(s)", "PID", "TGID", "CPU", "S", "COMM", "RSS(KiB)", "CPU(ms)", "RIP",
	       "HECKE");
}

static void print_record_text(unsigned int ring, const struct monster_sample *s)
{
	char comm[sizeof(s->comm) + 1];
	size_t i;

	/* one column: blanks and unprintable bytes as '?' */
	for (i = 0; i < sizeof(s->comm) && s->comm[i]; i++)
		comm[i] = (s->comm[i] > 0x20 && s->comm[i] < 0x7f) ? s->comm[i] : '?';
	comm[i] = '\0';
	printf("%4u %5u %10llu %16.6f %7u %7u %3u %c %-16s %10llu %11.3f 0x%016llx %5u\n",
	       ring, monster_prime(ring), (unsigned long long)s->seq,
	       (double)s->timestamp_ns / 1e9, s->pid, s->tgid, s->cpu, state_char(s->state),
	       comm, (unsigned long long)(s->mem_bytes / 1024), ms(s->cpu_time_ns),
	       (unsigned long long)s->rip, s->hecke);
}

static int print_record_json(struct jsonw *w, unsigned int ring, const struct monster_sample *s)
{
	jsonw_start_object(w, NULL);
	jsonw_uint(w, "ring", ring);
	jsonw_uint(w, "prime", monster_prime(ring));
	jsonw_uint(w, "seq", s->seq);
	jsonw_uint(w, "timestamp_ns", s->timestamp_ns);
	jsonw_uint(w, "pid", s->pid);
	jsonw_uint(w, "tgid", s->tgid);
	jsonw_uint(w, "cpu", s->cpu);
	jsonw_uint(w, "flags", s->flags);
	jsonw_stringf(w, "state", "%c", state_char(s->state));
	jsonw_uint(w, "shard", s->shard);
	jsonw_uint(w, "hecke", s->hecke);
	jsonw_uint(w, "nr_threads", s->nr_threads);
	jsonw_bytes(w, "comm", s->comm, strnlen(s->comm, sizeof(s->comm)));
	/* registers as strings: jq's numbers are doubles */
	jsonw_stringf(w, "rip", "0x%llx", (unsigned long long)s->rip);
	jsonw_stringf(w, "rsp", "0x%llx", (unsigned long long)s->rsp);
	jsonw_stringf(w, "rax", "0x%llx", (unsigned long long)s->rax);
	jsonw_stringf(w, "rbx", "0x%llx", (unsigned long long)s->rbx);
	jsonw_stringf(w, "rcx", "0x%llx", (unsigned long long)s->rcx);
	jsonw_stringf(w, "rdx", "0x%llx", (unsigned long long)s->rdx);
	jsonw_uint(w, "mem_bytes", s->mem_bytes);
	jsonw_uint(w, "cpu_time_ns", s->cpu_time_ns);
	jsonw_uint(w, "utime_ns", s->utime_ns);
	jsonw_uint(w, "stime_ns", s->stime_ns);
	jsonw_uint(w, "runtime_ns", s->runtime_ns);
	jsonw_uint(w, "min_flt", s->min_flt);
	jsonw_uint(w, "maj_flt", s->maj_flt);
	jsonw_uint(w, "nvcsw", s->nvcsw);
	jsonw_uint(w, "nivcsw", s->nivcsw);
	jsonw_uint(w, "run_delay_ns", s->run_delay_ns);
	jsonw_uint(w, "start_time_ns", s->start_time_ns);
	return jsonw_end(w);
}

/* Print and release what ring r has ready, up to the count: 0 or a negative errno. */
static int dump_ring(struct lmonster *h, unsigned int r, struct dump *d)
{
	const struct monster_sample *recs;
	unsigned int n, i;
	int ret;

	while (!d->count || d->done < d->count) {
		ret = lmonster_ring_peek(h, r, &recs, &n);
		if (ret || !n)
			return ret;
		if (d->count && n > d->count - d->done)
			n = (unsigned int)(d->count - d->done);
		for (i = 0; i < n && !d->print_err; i++) {
			if (d->json)
				d->print_err = print_record_json(&d->w, r, &recs[i]);
			else
				print_record_text(r, &recs[i]);
		}
		if (d->print_err)
			return d->print_err;
		/* consumed once printed: the tail moves like any consumer's */
		ret = lmonster_ring_release(h, r, n);
		if (ret)
			return ret;
		d->done += n;
	}
	return 0;
}

static unsigned long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (unsigned long)((t1.tv_sec - t0->tv_sec) * 1000 +
			       (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

/* Every claimed ring in turn until the count is reached or the timeout passed. */
static int dump_rings(struct lmonster *h, unsigned int mask, struct dump *d)
{
	struct timespec t0;
	unsigned long waited;
	unsigned int r;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		for (r = 0; r < MONSTER_NR_RINGS && (!d->count || d->done < d->count); r++) {
			ret = mask >> r & 1 ? dump_ring(h, r, d) : 0;
			if (ret)
				return ret;
		}
		if (!d->count || d->done >= d->count)
			return 0;
		waited = ms_since(&t0);
		if (waited >= d->timeout)
			return 0;
		ret = lmonster_wait(h, (int)(d->timeout - waited));
		if (ret == -ETIMEDOUT || ret == -EINTR)
			return 0;
		if (ret)
			return ret;
	}
}

static int report(struct dump *d, int ret)
{
	if (d->print_err)
		return print_error(d->print_err);
	if (ret)
		return busy_error(ret, "a ring is being consumed by another program (one consumer "
				  "per ring: stop it or dump another --ring)");
	if (!d->json)
		printf("(%lu records)\n", d->done);
	if (d->count && d->done < d->count)
		fprintf(stderr, "%s: dump: only %lu of %lu records arrived within %lu ms "
			"(is the sampler running? %s start)\n", prog, d->done, d->count, d->timeout,
			prog);
	return 0;
}

static int run_dump(struct lmonster *h, void *ctx)
{
	struct dump *d = ctx;
	unsigned int mask = d->ring == ULONG_MAX ? LMONSTER_ALL_RINGS : 1U << d->ring;
	int ret;

	if (d->count && !d->timed)
		d->timeout = DUMP_COUNT_TIMEOUT_MS;
	jsonw_init(&d->w, stdout);
	ret = lmonster_claim(h, mask);
	if (!ret && !d->json)
		print_header();
	if (!ret)
		ret = dump_rings(h, mask, d);
	return report(d, ret);
}

static const struct option dump_options[] = {
	{ "ring", required_argument, NULL, 'r' },
	{ "count", required_argument, NULL, 'c' },
	{ "json", no_argument, NULL, 'j' },
	{ "timeout", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static struct dump dump = { .ring = ULONG_MAX };

const struct command cmd_dump = {
	.name = "dump",
	.args = "[--ring N] [--count K] [--json] [--timeout MS]",
	.summary = "print and consume records",
	.help = "Print records and consume them (the ring's tail advances as for any consumer;\n"
		"each ring has one consumer at a time). --ring N: only ring N (0..14), else all.\n"
		"--count K: stop after K records, waiting up to --timeout MS (default 2000) for\n"
		"them; without --count, print what is ready now. --json: one JSON object per\n"
		"line (registers as hex strings).\n",
	.optstring = "+r:c:jt:h",
	.options = dump_options,
	.on_option = dump_option,
	.run = run_dump,
	.ctx = &dump,
};
