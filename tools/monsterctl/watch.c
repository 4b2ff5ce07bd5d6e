// SPDX-License-Identifier: GPL-2.0
/*
 * watch.c - monsterctl watch: the status again every interval, with each
 * ring's rate since the last refresh, until interrupted.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monsterctl.h"
#include "parse_num.h"

struct watch {
	double interval;		/* seconds between refreshes */
	unsigned long iterations;	/* 0: until interrupted */
	bool tty;			/* clear the screen before each refresh */
	struct monster_stats prev;	/* the last refresh's counters */
	struct timespec last;		/* and when they were read */
	unsigned long it;		/* refreshes so far */
};

static int watch_option(int opt, const char *arg, void *ctx)
{
	struct watch *wa = ctx;

	switch (opt) {
	case 'i':
		if (parse_double(arg, 0.01, 3600, &wa->interval))
			return usage_error("interval must be 0.01..3600 seconds (got '%s')", arg);
		break;
	case 'n':
		if (parse_ulong(arg, 1, ULONG_MAX, &wa->iterations))
			return usage_error("iterations must be a positive integer (got '%s')", arg);
		break;
	}
	return 0;
}

/* One refresh: the status lines, each ring with its rate since the last one. */
static void print_refresh(struct lmonster *h, struct watch *wa, const struct monster_stats *st,
			  const struct monster_config *cfg)
{
	struct timespec now;
	__u64 total = 0;
	double dt, rate;
	unsigned int i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	dt = (double)(now.tv_sec - wa->last.tv_sec) +
	     (double)(now.tv_nsec - wa->last.tv_nsec) / 1e9;
	if (wa->tty)
		printf("\033[H\033[2J");
	printf("=== Monster Process Sampler Statistics === (every %.2g s, Ctrl-C to quit)\n",
	       wa->interval);
	print_sampler_line(h, st, cfg);
	for (i = 0; i < MONSTER_NR_RINGS; i++)
		total += st->ring[i].produced;
	printf("Total samples: %llu\n", (unsigned long long)total);
	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		rate = wa->it && dt > 0 ?
		       (double)(st->ring[i].produced - wa->prev.ring[i].produced) / dt : 0.0;
		print_ring_line(&st->ring[i], i, &rate);
	}
	fflush(stdout);
	wa->prev = *st;
	wa->last = now;
}

static void sleep_seconds(double s)
{
	struct timespec nap;

	nap.tv_sec = (time_t)s;
	nap.tv_nsec = (long)((s - (double)nap.tv_sec) * 1e9);
	nanosleep(&nap, NULL);	/* a signal ends it at once */
}

static int run_watch(struct lmonster *h, void *ctx)
{
	struct watch *wa = ctx;
	struct monster_stats st;
	struct monster_config cfg;
	int ret = 0;

	wa->tty = isatty(STDOUT_FILENO);
	catch_interrupts();
	while (!interrupted) {
		ret = get_stats_config(h, &st, &cfg);
		if (ret)
			break;
		print_refresh(h, wa, &st, &cfg);
		if (++wa->it == wa->iterations)
			break;
		sleep_seconds(wa->interval);
	}
	return ret;
}

static const struct option watch_options[] = {
	{ "interval", required_argument, NULL, 'i' },
	{ "iterations", required_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static struct watch watch = { .interval = 1.0 };

const struct command cmd_watch = {
	.name = "watch",
	.args = "[--interval SEC] [--iterations N]",
	.summary = "refresh the statistics until Ctrl-C",
	.help = "Refresh the statistics every SEC seconds (default 1) with per-ring rates, until\n"
		"interrupted (Ctrl-C) or N refreshes.\n",
	.optstring = "+i:n:h",
	.options = watch_options,
	.on_option = watch_option,
	.open_flags = LMONSTER_OPEN_CONTROL,
	.run = run_watch,
	.ctx = &watch,
};
