// SPDX-License-Identifier: GPL-2.0
/*
 * dump.c - monsterctl dump: print records of every kind monsterctl knows,
 * as a table or one JSON object a line, and consume them as any consumer
 * does (the tail moves on; a record of a kind it does not know goes
 * unprinted).
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
	unsigned long done;	/* records printed */
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
		for (i = 0; i < n && (!d->count || d->done < d->count); i++) {
			if (!kind_name(recs[i].kind))
				continue;	/* a kind monsterctl does not know: never misread */
			if (d->json)
				d->print_err = print_record_json(&d->w, r, &recs[i]);
			else
				print_record_text(r, &recs[i]);
			if (d->print_err)
				return d->print_err;
			d->done++;
		}
		/* consumed once printed: the tail moves like any consumer's */
		ret = lmonster_ring_release(h, r, i);
		if (ret)
			return ret;
	}
	return 0;
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
		print_record_header();
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
		"line (registers as hex strings), with the record's kind (sample, fork, exec,\n"
		"exit, fault, reclaim), a sample's syscall and an event's fields. Records of a\n"
		"kind monsterctl does not know are consumed unprinted.\n",
	.optstring = "+r:c:jt:h",
	.options = dump_options,
	.on_option = dump_option,
	.run = run_dump,
	.ctx = &dump,
};
