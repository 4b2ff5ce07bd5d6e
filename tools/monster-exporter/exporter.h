/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exporter.h - what monster-exporter's files share.
 *
 * Data flow: the consumer thread (consumer.c) drains the rings and folds
 * each record into per-task and per-group totals (aggregate.c), resolving
 * a task's group from its record or /proc (grouping.c). A few times a
 * second it publishes a view: the --top N groups, the rest folded into
 * "other", and the sampler's health. HTTP requests (http.c) copy that view
 * under a lock held only for the copy and format it (metrics.c: Prometheus
 * and OpenMetrics text; api.c: JSON for the landing page, landing.c). So a
 * scrape costs O(N), whatever the number of processes, and no client can
 * hold the consumer up.
 */
#ifndef MONSTER_EXPORTER_H
#define MONSTER_EXPORTER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lmonster.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

#define EXPORTER_DEFAULT_LISTEN	"127.0.0.1:9477"
#define EXPORTER_DEFAULT_TOP	20
#define EXPORTER_TOP_MAX	1000
/* longest group name kept (comm is 15 bytes; an exe, user or cgroup path is cut here) */
#define GROUP_NAME_MAX		128
#define OTHER_GROUP		"other"

enum group_by { GROUP_BY_COMM, GROUP_BY_EXE, GROUP_BY_USER, GROUP_BY_CGROUP };

extern const char *const prog;

/* The counters a task's records carry, as totals since the task began. */
struct counters {
	uint64_t user_ns;
	uint64_t system_ns;
	uint64_t min_flt;
	uint64_t maj_flt;
	uint64_t nvcsw;
	uint64_t nivcsw;
	uint64_t run_delay_ns;
};

/* One group as a scrape sees it. */
struct view_group {
	char name[GROUP_NAME_MAX];
	struct counters total;	/* never decreasing */
	uint64_t forks;
	uint64_t exits;
	uint64_t resident_bytes;
	uint64_t processes;
	uint64_t threads;
};

struct view_ring {
	uint32_t prime;
	uint64_t produced;
	uint64_t dropped;
	uint64_t fill;
	uint64_t bad_tails;
};

/* What the consumer publishes; http.c copies it whole. */
struct view {
	uint64_t generation;		/* publications so far */
	uint64_t published_ns;		/* CLOCK_MONOTONIC */
	uint64_t records;		/* records consumed */
	uint64_t tasks;			/* tasks alive now */
	uint64_t groups_tracked;	/* groups known, before folding */
	uint32_t rate_hz;
	uint32_t scope;
	bool file_backed;
	bool events_fork_exit;		/* fork/exit counts mean something */
	bool have_hist;
	uint64_t sweeps;
	uint64_t overruns;
	struct monster_sweep_hist hist;
	struct view_ring ring[MONSTER_NR_RINGS];
	size_t ngroups;			/* at most top + 1 */
	struct view_group groups[];	/* busiest first, "other" last */
};

static inline size_t view_size(size_t ngroups)
{
	return sizeof(struct view) + ngroups * sizeof(struct view_group);
}

/* grouping.c: a task's group name */
struct grouping {
	enum group_by by;
	bool use_proc;		/* the device: /proc describes the same tasks */
};
const char *group_by_name(enum group_by by);
int group_by_value(const char *name, enum group_by *by);
/* The group of task tgid named comm into name[GROUP_NAME_MAX]. */
void group_resolve(const struct grouping *g, uint32_t tgid, const char *comm, char *name);

/* aggregate.c: tasks and groups; used by the consumer thread only */
struct aggregate;
struct aggregate *aggregate_new(const struct grouping *g, unsigned int top);
void aggregate_free(struct aggregate *a);
/* Fold one record of any kind in (records of kinds it does not use are ignored). */
void aggregate_record(struct aggregate *a, const struct monster_sample *rec);
/* Forget tasks gone for good, recount the gauges, rank the groups; now_ns: CLOCK_MONOTONIC. */
void aggregate_settle(struct aggregate *a, uint64_t now_ns);
/* A new view of the groups (health left zero), or NULL without memory. */
struct view *aggregate_view(const struct aggregate *a);

/* consumer.c: the thread that owns the handle */
struct consumer {
	struct lmonster *h;
	struct aggregate *agg;
	pthread_t thread;
	pthread_mutex_t lock;	/* guards view, and nothing else */
	pthread_cond_t published;	/* broadcast with each new view */
	struct view *view;
	int stop;		/* atomics: set by main to end the thread */
	int error;		/* the negative errno the thread ended with, or 0 */
	uint64_t last_drain_ns;	/* atomics: CLOCK_MONOTONIC of the last drain */
};
int consumer_start(struct consumer *c, struct lmonster *h, struct aggregate *agg);
void consumer_stop(struct consumer *c);
/*
 * A copy of the latest view (free() it), waiting up to timeout_ms for one
 * newer than generation after; NULL if none came or without memory.
 */
struct view *consumer_view(struct consumer *c, uint64_t after, unsigned int timeout_ms);
/* Whether the rings were drained within the last few seconds. */
bool consumer_healthy(struct consumer *c);
uint64_t now_ns(void);

/* metrics.c */
enum text_format { FORMAT_PROMETHEUS, FORMAT_OPENMETRICS };
/* Whether an Accept header asks for OpenMetrics. */
bool accepts_openmetrics(const char *accept);
const char *format_content_type(enum text_format f);
int format_metrics(FILE *out, const struct view *v, enum text_format f);

/* api.c: the landing page's JSON */
int format_json(FILE *out, const struct view *v);

/* landing.c */
extern const char landing_html[];

/* http.c */
struct http_server;
/* Serve on listen_fd (bound and listening). NULL and a message on stderr on failure. */
struct http_server *http_start(int listen_fd, struct consumer *c);
void http_stop(struct http_server *s);

#endif /* MONSTER_EXPORTER_H */
