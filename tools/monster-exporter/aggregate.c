// SPDX-License-Identifier: GPL-2.0
/*
 * aggregate.c - records into per-group totals that never go backwards.
 *
 * A task is a (pid, start_time_ns) pair, so a reused pid is a new task. Each
 * task keeps the highest counters its records showed; a record adds what
 * grew beyond them to the task's group (the first record of a task adds
 * all it has: its whole life counts). A task whose group changes (an exec renames it)
 * leaves what it added behind and adds to its new group from then on. A
 * task that exits (an exit event, with its final totals) or misses a whole
 * keyframe sweep stops counting in the gauges, but its counters stay in
 * its group; its entry is kept a while, so a record that still arrives
 * (one read late from another ring) adds nothing twice.
 *
 * The --top N groups by CPU time are kept; "other" adds the growth of
 * every group that is not kept at the time it grows, so it never goes
 * backwards either when the top N change.
 */
#include <stdlib.h>
#include <string.h>

#include "exporter.h"

/* how long a task that is gone stays known (nanoseconds) */
#define FORGET_NS	(60ULL * 1000000000ULL)
/* distinct groups tracked; names beyond that count in "other" */
#define GROUPS_MAX	8192
#define NO_GROUP	UINT32_MAX

struct task {
	struct task *next;		/* hash chain */
	uint32_t pid;
	uint32_t tgid;
	uint64_t start_ns;
	struct counters last;
	uint64_t rss;
	uint32_t nr_threads;
	uint32_t group;
	uint64_t last_seen_ts;		/* timestamp_ns of its last sample */
	uint64_t gone_ns;		/* when it went (exporter's clock), 0 while alive */
	bool thread;			/* a thread's record (scope THREAD) */
	bool exited;			/* its exit event was folded in */
	char comm[16];
};

struct group {
	char name[GROUP_NAME_MAX];
	uint32_t next;			/* hash chain, NO_GROUP at the end */
	uint32_t tasks;			/* tasks (alive or gone) pointing here */
	bool used;
	bool kept;			/* among the top N: exported by name */
	bool ranked;			/* kept or not by a settle already */
	bool folds;			/* always counted as "other" */
	struct view_group v;		/* name unused: totals and gauges */
};

struct aggregate {
	struct grouping grouping;
	unsigned int top;
	struct task **task_buckets;
	size_t task_nbuckets;		/* a power of two */
	size_t ntasks;
	size_t alive;
	struct group *groups;
	size_t groups_len;		/* used or free entries */
	size_t groups_cap;
	size_t ngroups;			/* used entries */
	uint32_t free_group;		/* free list through next */
	uint32_t *group_buckets;
	size_t group_nbuckets;
	struct view_group other;	/* growth of groups not kept */
	uint64_t kf_latest, kf_prev;	/* timestamp_ns of the two latest keyframe sweeps */
	uint64_t now;			/* the last aggregate_settle()'s clock */
	uint64_t records;
	uint32_t *rank;			/* the groups by CPU time, of the last settle */
	size_t nrank;
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static size_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return (size_t)h;
}

struct aggregate *aggregate_new(const struct grouping *g, unsigned int top)
{
	struct aggregate *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->grouping = *g;
	a->top = top;
	a->task_nbuckets = 1024;
	a->group_nbuckets = 2 * GROUPS_MAX;
	a->free_group = NO_GROUP;
	a->task_buckets = calloc(a->task_nbuckets, sizeof(*a->task_buckets));
	a->group_buckets = malloc(a->group_nbuckets * sizeof(*a->group_buckets));
	a->rank = malloc(GROUPS_MAX * sizeof(*a->rank));
	if (!a->task_buckets || !a->group_buckets || !a->rank) {
		aggregate_free(a);
		return NULL;
	}
	memset(a->group_buckets, 0xff, a->group_nbuckets * sizeof(*a->group_buckets));
	return a;
}

void aggregate_free(struct aggregate *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; a->task_buckets && i < a->task_nbuckets; i++) {
		struct task *t = a->task_buckets[i], *next;

		for (; t; t = next) {
			next = t->next;
			free(t);
		}
	}
	free(a->task_buckets);
	free(a->group_buckets);
	free(a->groups);
	free(a->rank);
	free(a);
}

/* ---- groups ---- */

static uint32_t group_find(const struct aggregate *a, const char *name)
{
	uint32_t i = a->group_buckets[name_hash(name) % a->group_nbuckets];

	for (; i != NO_GROUP; i = a->groups[i].next)
		if (!strcmp(a->groups[i].name, name))
			return i;
	return NO_GROUP;
}

static uint32_t group_add(struct aggregate *a, const char *name)
{
	size_t b = name_hash(name) % a->group_nbuckets;
	struct group *gr;
	uint32_t i;

	if (a->free_group != NO_GROUP) {
		i = a->free_group;
		a->free_group = a->groups[i].next;
	} else {
		if (a->groups_len == a->groups_cap) {
			size_t cap = a->groups_cap ? 2 * a->groups_cap : 64;
			struct group *g = realloc(a->groups, cap * sizeof(*g));

			if (!g)
				return NO_GROUP;
			a->groups = g;
			a->groups_cap = cap;
		}
		i = (uint32_t)a->groups_len++;
	}
	gr = &a->groups[i];
	memset(gr, 0, sizeof(*gr));
	snprintf(gr->name, sizeof(gr->name), "%s", name);
	gr->used = true;
	gr->folds = !strcmp(name, OTHER_GROUP);
	gr->next = a->group_buckets[b];
	a->group_buckets[b] = i;
	a->ngroups++;
	return i;
}

/* The group called name, made if new; past GROUPS_MAX (or without memory) "other". */
static uint32_t group_get(struct aggregate *a, const char *name)
{
	uint32_t i = group_find(a, name);

	if (i != NO_GROUP)
		return i;
	if (a->ngroups < GROUPS_MAX - 1 || !strcmp(name, OTHER_GROUP))
		i = group_add(a, name);
	if (i == NO_GROUP) {
		i = group_find(a, OTHER_GROUP);
		if (i == NO_GROUP)
			i = group_add(a, OTHER_GROUP);
	}
	return i;
}

static void group_remove(struct aggregate *a, uint32_t i)
{
	uint32_t *p = &a->group_buckets[name_hash(a->groups[i].name) % a->group_nbuckets];

	while (*p != i)
		p = &a->groups[*p].next;
	*p = a->groups[i].next;
	a->groups[i].used = false;
	a->groups[i].next = a->free_group;
	a->free_group = i;
	a->ngroups--;
}

static void counters_add(struct counters *sum, const struct counters *d)
{
	sum->user_ns += d->user_ns;
	sum->system_ns += d->system_ns;
	sum->min_flt += d->min_flt;
	sum->maj_flt += d->maj_flt;
	sum->nvcsw += d->nvcsw;
	sum->nivcsw += d->nivcsw;
	sum->run_delay_ns += d->run_delay_ns;
}

static void other_grow(struct aggregate *a, const struct counters *d, uint64_t forks,
		       uint64_t exits)
{
	counters_add(&a->other.total, d);
	a->other.forks += forks;
	a->other.exits += exits;
}

/*
 * The growth of a group: its own totals, and "other"'s while it is ranked and
 * not kept (a group not ranked yet gives "other" its whole past if the
 * settle that ranks it does not keep it).
 */
static void group_grow(struct aggregate *a, uint32_t i, const struct counters *d,
		       uint64_t forks, uint64_t exits)
{
	struct group *gr = &a->groups[i];

	counters_add(&gr->v.total, d);
	gr->v.forks += forks;
	gr->v.exits += exits;
	if (gr->ranked && !gr->kept)
		other_grow(a, d, forks, exits);
}

static uint32_t group_of(struct aggregate *a, uint32_t tgid, const char *comm)
{
	char name[GROUP_NAME_MAX];

	group_resolve(&a->grouping, tgid, comm, name);
	return group_get(a, name);
}

/* ---- tasks ---- */

static size_t task_bucket(const struct aggregate *a, uint32_t pid, uint64_t start_ns)
{
	return (size_t)mix64(((uint64_t)pid << 32) ^ start_ns ^ pid) & (a->task_nbuckets - 1);
}

static struct task *task_find(const struct aggregate *a, uint32_t pid, uint64_t start_ns)
{
	struct task *t = a->task_buckets[task_bucket(a, pid, start_ns)];

	for (; t; t = t->next)
		if (t->pid == pid && t->start_ns == start_ns)
			return t;
	return NULL;
}

/* Twice the buckets once there are twice as many tasks; without memory it stays as it is. */
static void task_table_grow(struct aggregate *a)
{
	size_t n = a->task_nbuckets * 2, i;
	struct task **b = calloc(n, sizeof(*b)), **old = a->task_buckets;
	size_t old_n = a->task_nbuckets;

	if (!b)
		return;
	a->task_buckets = b;
	a->task_nbuckets = n;
	for (i = 0; i < old_n; i++) {
		struct task *t = old[i], *next;

		for (; t; t = next) {
			size_t k = task_bucket(a, t->pid, t->start_ns);

			next = t->next;
			t->next = b[k];
			b[k] = t;
		}
	}
	free(old);
}

static struct task *task_add(struct aggregate *a, uint32_t pid, uint32_t tgid,
			     uint64_t start_ns, const char *comm)
{
	struct task *t = calloc(1, sizeof(*t));
	size_t k;

	if (!t)
		return NULL;
	t->pid = pid;
	t->tgid = tgid;
	t->start_ns = start_ns;
	memcpy(t->comm, comm, sizeof(t->comm));
	t->comm[sizeof(t->comm) - 1] = '\0';
	t->group = group_of(a, tgid, t->comm);
	a->groups[t->group].tasks++;
	if (a->ntasks >= 2 * a->task_nbuckets)
		task_table_grow(a);
	k = task_bucket(a, pid, start_ns);
	t->next = a->task_buckets[k];
	a->task_buckets[k] = t;
	a->ntasks++;
	a->alive++;
	return t;
}

/*
 * How much counter *last grows to reach now, which becomes the new *last.
 * A task's records come out of order: its ring follows its registers and
 * counters, so two sweeps of it may sit in different rings, read in ring
 * order. An older (smaller) value then adds nothing and leaves the baseline
 * where it is, so nothing is counted twice.
 */
static uint64_t growth(uint64_t now, uint64_t *last)
{
	uint64_t d = now > *last ? now - *last : 0;

	*last += d;
	return d;
}

/* Fold a task's totals in: what grew beyond its baseline goes to its group. */
static void task_update(struct aggregate *a, struct task *t, const struct counters *c)
{
	struct counters d = {
		.user_ns = growth(c->user_ns, &t->last.user_ns),
		.system_ns = growth(c->system_ns, &t->last.system_ns),
		.min_flt = growth(c->min_flt, &t->last.min_flt),
		.maj_flt = growth(c->maj_flt, &t->last.maj_flt),
		.nvcsw = growth(c->nvcsw, &t->last.nvcsw),
		.nivcsw = growth(c->nivcsw, &t->last.nivcsw),
		.run_delay_ns = growth(c->run_delay_ns, &t->last.run_delay_ns),
	};

	group_grow(a, t->group, &d, 0, 0);
}

static void task_regroup(struct aggregate *a, struct task *t, const char *comm)
{
	uint32_t g;

	memcpy(t->comm, comm, sizeof(t->comm));
	t->comm[sizeof(t->comm) - 1] = '\0';
	g = group_of(a, t->tgid, t->comm);
	if (g == t->group)
		return;
	a->groups[t->group].tasks--;
	a->groups[g].tasks++;
	t->group = g;
}

static void fold_sample(struct aggregate *a, const struct monster_sample *s)
{
	struct counters c = {
		.user_ns = s->utime_ns, .system_ns = s->stime_ns,
		.min_flt = s->min_flt, .maj_flt = s->maj_flt,
		.nvcsw = s->nvcsw, .nivcsw = s->nivcsw, .run_delay_ns = s->run_delay_ns,
	};
	struct task *t = task_find(a, s->pid, s->start_time_ns);

	if ((s->flags & MONSTER_SF_KEYFRAME) && s->timestamp_ns > a->kf_latest) {
		a->kf_prev = a->kf_latest;
		a->kf_latest = s->timestamp_ns;
	}
	if (!t) {
		t = task_add(a, s->pid, s->tgid, s->start_time_ns, s->comm);
		if (!t)
			return;
	} else if (t->exited) {
		return;		/* read after its exit, which had the final totals */
	}
	if (t->gone_ns) {	/* missed a keyframe (drops), yet here: alive after all */
		t->gone_ns = 0;
		a->alive++;
	}
	/* the newest record says what the task is now; counters grow from any record */
	if (s->timestamp_ns >= t->last_seen_ts) {
		if (strncmp(t->comm, s->comm, sizeof(t->comm) - 1))
			task_regroup(a, t, s->comm);
		t->rss = s->mem_bytes;
		t->nr_threads = s->nr_threads;
		t->thread = (s->flags & MONSTER_SF_THREAD) != 0;
		t->last_seen_ts = s->timestamp_ns;
	}
	task_update(a, t, &c);
}

static void task_gone(struct aggregate *a, struct task *t)
{
	if (!t->gone_ns) {
		t->gone_ns = a->now ? a->now : 1;
		a->alive--;
	}
}

static void fold_exit(struct aggregate *a, const struct monster_event *e)
{
	const struct monster_exit_event *x = &e->exit;
	struct task *t = task_find(a, e->pid, x->start_time_ns);

	if (!t && e->tgid != e->pid)
		t = task_find(a, e->tgid, x->start_time_ns);
	if (t && !t->exited) {
		struct counters c = t->last;

		c.user_ns = x->utime_ns;
		c.system_ns = x->stime_ns;
		c.min_flt = x->min_flt;
		c.maj_flt = x->maj_flt;
		c.nvcsw = x->nvcsw;
		c.nivcsw = x->nivcsw;
		task_update(a, t, &c);
		t->exited = true;
		task_gone(a, t);
		group_grow(a, t->group, &(struct counters){ 0 }, 0, 1);
		return;
	}
	group_grow(a, group_of(a, e->tgid, e->comm), &(struct counters){ 0 }, 0, 1);
}

void aggregate_record(struct aggregate *a, const struct monster_sample *rec)
{
	const struct monster_event *e = lmonster_event(rec);

	a->records++;
	if (!e)
		fold_sample(a, rec);
	else if (e->kind == MONSTER_KIND_EXIT)
		fold_exit(a, e);
	else if (e->kind == MONSTER_KIND_FORK)	/* the child's comm: its parent's */
		group_grow(a, group_of(a, e->tgid, e->comm), &(struct counters){ 0 }, 1, 0);
}

/* ---- settling: gone tasks, gauges, the top N ---- */

static int cmp_rank(const void *x, const void *y, void *arg)
{
	const struct group *g = arg;
	const struct group *a = &g[*(const uint32_t *)x], *b = &g[*(const uint32_t *)y];
	uint64_t ca = a->v.total.user_ns + a->v.total.system_ns;
	uint64_t cb = b->v.total.user_ns + b->v.total.system_ns;

	if (ca != cb)
		return ca > cb ? -1 : 1;
	return strcmp(a->name, b->name);
}

void aggregate_settle(struct aggregate *a, uint64_t now)
{
	size_t i, n = 0;

	a->now = now;
	for (i = 0; i < a->groups_len; i++)
		a->groups[i].v.resident_bytes = a->groups[i].v.processes = a->groups[i].v.threads = 0;
	for (i = 0; i < a->task_nbuckets; i++) {
		struct task **p = &a->task_buckets[i], *t;

		while ((t = *p)) {
			struct group *gr = &a->groups[t->group];

			/* absent from a whole keyframe sweep (the latest one may be in progress) */
			if (!t->gone_ns && a->kf_prev && t->last_seen_ts < a->kf_prev)
				task_gone(a, t);
			if (t->gone_ns && now - t->gone_ns > FORGET_NS) {
				*p = t->next;
				gr->tasks--;
				a->ntasks--;
				free(t);
				continue;
			}
			if (!t->gone_ns) {
				gr->v.resident_bytes += t->rss;
				if (t->thread) {
					gr->v.threads++;
					gr->v.processes += t->pid == t->tgid;
				} else {
					gr->v.processes++;
					gr->v.threads += t->nr_threads;
				}
			}
			p = &t->next;
		}
	}
	for (i = 0; i < a->groups_len; i++) {
		struct group *gr = &a->groups[i];

		if (!gr->used)
			continue;
		if (!gr->ranked && (gr->folds || !gr->tasks)) {
			other_grow(a, &gr->v.total, gr->v.forks, gr->v.exits);
			gr->ranked = true;
		}
		if (!gr->tasks && !gr->kept)
			group_remove(a, (uint32_t)i);
		else if (!gr->folds)
			a->rank[n++] = (uint32_t)i;
	}
	qsort_r(a->rank, n, sizeof(*a->rank), cmp_rank, a->groups);
	for (i = 0; i < n; i++) {
		struct group *gr = &a->groups[a->rank[i]];

		gr->kept = i < a->top;
		if (!gr->ranked && !gr->kept)
			other_grow(a, &gr->v.total, gr->v.forks, gr->v.exits);
		gr->ranked = true;
	}
	a->nrank = n;
}

struct view *aggregate_view(const struct aggregate *a)
{
	size_t i, kept = 0, n = 0;
	struct view *v;
	struct view_group *other;

	for (i = 0; i < a->groups_len; i++)
		kept += a->groups[i].used && a->groups[i].kept;
	v = calloc(1, view_size(kept + 1));
	if (!v)
		return NULL;
	other = &v->groups[kept];
	*other = a->other;
	snprintf(other->name, sizeof(other->name), "%s", OTHER_GROUP);
	other->resident_bytes = other->processes = other->threads = 0;
	for (i = 0; i < a->groups_len; i++) {
		const struct group *gr = &a->groups[i];

		if (!gr->used || gr->kept)
			continue;
		other->resident_bytes += gr->v.resident_bytes;
		other->processes += gr->v.processes;
		other->threads += gr->v.threads;
	}
	/* the kept groups lead the last settle's ranking, busiest first */
	for (i = 0; n < kept && i < a->nrank; i++) {
		const struct group *gr = &a->groups[a->rank[i]];

		v->groups[n] = gr->v;
		memcpy(v->groups[n].name, gr->name, sizeof(gr->name));
		n++;
	}
	v->ngroups = kept + 1;
	v->records = a->records;
	v->tasks = a->alive;
	v->groups_tracked = a->ngroups;
	return v;
}
