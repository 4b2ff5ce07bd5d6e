// SPDX-License-Identifier: GPL-2.0
/*
 * events.c - monsterctl events: print events as they arrive, as rows of
 * dump's table or one JSON object a line, until a count, a time or an
 * interrupt. It consumes all 15 rings as any consumer does: records of the
 * kinds not asked for (samples, unless asked for) are released unprinted.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "json_writer.h"
#include "monsterctl.h"
#include "parse_num.h"

/* --kind: the event kinds and samples */
#define EVENTS_NAMEABLE (MONSTER_EVENTS_ALL | MONSTER_EVENT(MONSTER_KIND_SAMPLE))
#define EVENTS_WAIT_MS	1000	/* at most, between two looks at the clock and the signals */

struct events {
	unsigned int kinds;	/* MONSTER_EVENT() bits; 0 until --kind: every event kind */
	bool by_pid;
	unsigned long pid;
	unsigned long count;	/* 0: no limit */
	double seconds;		/* 0: no limit */
	bool json;
	struct jsonw w;
	int print_err;		/* the JSON writer failed */
	unsigned long done;	/* records printed */
};

static int events_option(int opt, const char *arg, void *ctx)
{
	struct events *e = ctx;

	switch (opt) {
	case 'k':
		if (kinds_value(arg, EVENTS_NAMEABLE, &e->kinds))
			return usage_error("kind must be 'all' or a list of sample, fork, exec, "
					   "exit, fault, reclaim (got '%s')", arg);
		break;
	case 'p':
		if (parse_ulong(arg, 0, UINT32_MAX, &e->pid))
			return usage_error("pid must be a process id (got '%s')", arg);
		e->by_pid = true;
		break;
	case 'c':
		if (parse_ulong(arg, 1, UINT_MAX, &e->count))
			return usage_error("count must be a positive integer (got '%s')", arg);
		break;
	case 's':
		if (parse_double(arg, 0.001, 1e6, &e->seconds))
			return usage_error("seconds must be a number of seconds, 0.001..1000000 "
					   "(got '%s')", arg);
		break;
	case 'j':
		e->json = true;
		break;
	}
	return 0;
}

/* One record of a kind asked for: printed unless --pid says otherwise, consumed either way. */
static int print_event(unsigned int ring, const struct monster_sample *s, void *ctx)
{
	struct events *e = ctx;

	if (e->by_pid && s->pid != e->pid && s->tgid != e->pid)
		return 0;
	if (e->json) {
		e->print_err = print_record_json(&e->w, ring, s);
		if (e->print_err)
			return e->print_err;	/* stop before it: the record stays */
	} else {
		print_record_text(ring, s);
	}
	e->done++;
	return e->count && e->done >= e->count;	/* > 0: stop after this one */
}

/* Say why nothing may come: kinds not being recorded, or the sampler stopped. */
static int note_recording(struct lmonster *h, const struct events *e)
{
	struct monster_kind_stats ks;
	struct monster_stats st;
	char kinds[96];
	int ret = lmonster_kind_stats(h, &ks);

	if (!ret)
		ret = lmonster_stats(h, &st);
	if (ret)
		return lib_error(ret);	/* a driver without events: the message names the feature */
	if (is_file_set(h) || !(e->kinds & MONSTER_EVENTS_ALL))
		return 0;
	fmt_kinds(kinds, sizeof(kinds), ks.events);
	if (!(ks.events & e->kinds))
		fprintf(stderr, "%s: events: note: the device records none of the kinds asked "
			"for (recording: %s; %s set events=...)\n", prog, kinds, prog);
	else if (!st.running)
		fprintf(stderr, "%s: events: note: the sampler is stopped, and events are "
			"recorded only while it runs (%s start)\n", prog, prog);
	return 0;
}

/* Walk the rings, then wait, until the count, the time limit or an interrupt. */
static int follow(struct lmonster *h, struct events *e)
{
	unsigned long limit = (unsigned long)(e->seconds * 1000 + 0.5), waited = 0;
	struct timespec t0;
	int ret, tmo;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		ret = lmonster_for_each_kind(h, e->kinds, print_event, e, 0);
		fflush(stdout);
		if (ret < 0)
			return ret;
		if ((e->count && e->done >= e->count) || interrupted)
			return 0;
		waited = ms_since(&t0);
		if (limit && waited >= limit)
			return 0;
		tmo = EVENTS_WAIT_MS;
		if (limit && limit - waited < (unsigned long)tmo)
			tmo = (int)(limit - waited);
		ret = lmonster_wait(h, tmo);
		if (ret && ret != -ETIMEDOUT && ret != -EINTR)
			return ret;
	}
}

static int run_events(struct lmonster *h, void *ctx)
{
	struct events *e = ctx;
	int ret;

	if (!e->kinds)
		e->kinds = MONSTER_EVENTS_ALL;
	ret = note_recording(h, e);
	if (ret)
		return ret;
	jsonw_init(&e->w, stdout);
	catch_interrupts();
	/* every ring, before the first line: a ring another program reads fails at once */
	ret = lmonster_claim(h, LMONSTER_ALL_RINGS);
	if (!ret && !e->json)
		print_record_header();
	if (!ret)
		ret = follow(h, e);
	if (e->print_err)
		return print_error(e->print_err);
	if (ret)
		return busy_error(ret, "a ring is being consumed by another program (events reads "
				  "all 15 rings: stop the other consumer)");
	if (e->count && e->done < e->count && !interrupted)
		fprintf(stderr, "%s: events: only %lu of %lu records arrived within %g s\n", prog,
			e->done, e->count, e->seconds);
	return 0;
}

static const struct option events_options[] = {
	{ "kind", required_argument, NULL, 'k' },
	{ "pid", required_argument, NULL, 'p' },
	{ "count", required_argument, NULL, 'c' },
	{ "seconds", required_argument, NULL, 's' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static struct events events;

const struct command cmd_events = {
	.name = "events",
	.args = "[--kind LIST] [--pid N] [--count N] [--seconds S] [--json]",
	.summary = "print events as they arrive",
	.help = "Print events (fork, exec, exit, fault and reclaim records) as they arrive, as\n"
		"rows of dump's table or, with --json, one JSON object per line with the kind's\n"
		"fields by name. This consumes the rings like any consumer (one per ring: no\n"
		"other program may read them meanwhile); records of the kinds not asked for,\n"
		"samples among them, are released unprinted. The device records events only\n"
		"while the sampler runs, of the kinds set with 'monsterctl set events=...'.\n"
		"  --kind LIST    all (the default: every event kind) or a comma-separated list\n"
		"                 of sample, fork, exec, exit, fault, reclaim\n"
		"  --pid N        only records whose pid or tgid is N\n"
		"  --count N      stop after N records\n"
		"  --seconds S    stop after S seconds (default: at --count, or Ctrl-C)\n"
		"  --json         one JSON object per line\n",
	.optstring = "+k:p:c:s:jh",
	.options = events_options,
	.on_option = events_option,
	.run = run_events,
	.ctx = &events,
};
