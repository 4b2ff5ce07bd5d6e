// SPDX-License-Identifier: GPL-2.0
/*
 * consumer.c - the thread that owns the lmonster handle: it drains the
 * rings as records arrive, folds them into the aggregate, and publishes a
 * view with the sampler's health every PUBLISH_NS. Nothing else touches
 * the handle or the aggregate; the HTTP side only copies the view.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exporter.h"

#define PUBLISH_NS	(250ULL * 1000000ULL)
#define WAIT_MS		100
/* a drain this long ago makes /healthz fail */
#define STALE_NS	(5ULL * 1000000000ULL)

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int fold(unsigned int ring, const struct monster_sample *rec, void *arg)
{
	(void)ring;
	aggregate_record(arg, rec);
	return 0;
}

/* The sampler's health into v; 0 or a negative errno from the handle. */
static int read_health(struct lmonster *h, struct view *v)
{
	struct monster_stats st;
	struct monster_config cfg;
	struct monster_kind_stats ks;
	const unsigned int fork_exit = MONSTER_EVENT(MONSTER_KIND_FORK) |
				       MONSTER_EVENT(MONSTER_KIND_EXIT);
	unsigned int r;
	int ret = lmonster_stats(h, &st);

	if (ret)
		return ret;
	v->file_backed = (lmonster_flags(h) & (int)LMONSTER_F_FILE) != 0;
	v->sweeps = st.sweeps;
	v->overruns = st.overruns;
	v->rate_hz = st.rate_hz;
	v->scope = st.scope;
	for (r = 0; r < MONSTER_NR_RINGS; r++) {
		v->ring[r].prime = st.ring[r].prime;
		v->ring[r].produced = st.ring[r].produced;
		v->ring[r].dropped = st.ring[r].dropped;
		v->ring[r].fill = st.ring[r].fill;
		v->ring[r].bad_tails = st.ring[r].bad_tails;
	}
	v->have_hist = lmonster_sweep_hist(h, &v->hist) == 0;
	/* fork and exit counts mean something where those events are (or were) recorded */
	if (!lmonster_get_config(h, &cfg) && (cfg.events & fork_exit))
		v->events_fork_exit = true;
	if (!lmonster_kind_stats(h, &ks))
		for (r = 0; r < MONSTER_NR_RINGS; r++)
			if (ks.produced[MONSTER_KIND_FORK][r] || ks.produced[MONSTER_KIND_EXIT][r])
				v->events_fork_exit = true;
	return 0;
}

static int publish(struct consumer *c, uint64_t generation)
{
	struct view *v, *old;
	int ret;

	aggregate_settle(c->agg, now_ns());
	v = aggregate_view(c->agg);
	if (!v)
		return -ENOMEM;
	ret = read_health(c->h, v);
	if (ret) {
		free(v);
		return ret;
	}
	v->generation = generation;
	v->published_ns = now_ns();
	pthread_mutex_lock(&c->lock);
	old = c->view;
	c->view = v;
	pthread_cond_broadcast(&c->published);
	pthread_mutex_unlock(&c->lock);
	free(old);
	return 0;
}

static void *consumer_main(void *arg)
{
	struct consumer *c = arg;
	uint64_t generation = 0, next_publish = 0;
	int ret = 0;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		uint64_t t;

		/* what is ready (a ring's worth per ring per call), until the next publication */
		do
			ret = lmonster_for_each(c->h, fold, c->agg, 0);
		while (ret > 0 && now_ns() < next_publish);
		if (ret < 0)
			break;
		t = now_ns();
		__atomic_store_n(&c->last_drain_ns, t, __ATOMIC_RELEASE);
		if (t >= next_publish) {
			ret = publish(c, ++generation);
			if (ret)
				break;
			next_publish = t + PUBLISH_NS;
		}
		ret = lmonster_wait(c->h, WAIT_MS);
		if (ret && ret != -ETIMEDOUT && ret != -EINTR)
			break;
		ret = 0;
	}
	c->error = ret;
	if (ret)	/* the main thread is in sigwait(): wake it so the exporter ends */
		kill(getpid(), SIGTERM);
	return NULL;
}

int consumer_start(struct consumer *c, struct lmonster *h, struct aggregate *agg)
{
	pthread_condattr_t attr;
	int ret;

	memset(c, 0, sizeof(*c));
	c->h = h;
	c->agg = agg;
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->published, &attr);
	pthread_condattr_destroy(&attr);
	ret = pthread_create(&c->thread, NULL, consumer_main, c);
	return -ret;
}

void consumer_stop(struct consumer *c)
{
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
	pthread_join(c->thread, NULL);
	free(c->view);
	c->view = NULL;
	pthread_cond_destroy(&c->published);
	pthread_mutex_destroy(&c->lock);
}

struct view *consumer_view(struct consumer *c, uint64_t after, unsigned int timeout_ms)
{
	uint64_t deadline = now_ns() + timeout_ms * 1000000ULL;
	struct timespec ts = { (time_t)(deadline / 1000000000ULL), (long)(deadline % 1000000000ULL) };
	struct view *copy = NULL;

	pthread_mutex_lock(&c->lock);
	while (!c->view || c->view->generation <= after)
		if (pthread_cond_timedwait(&c->published, &c->lock, &ts))
			break;
	if (c->view && c->view->generation > after) {
		size_t size = view_size(c->view->ngroups);

		copy = malloc(size);
		if (copy)
			memcpy(copy, c->view, size);
	}
	pthread_mutex_unlock(&c->lock);
	return copy;
}

bool consumer_healthy(struct consumer *c)
{
	uint64_t t = __atomic_load_n(&c->last_drain_ns, __ATOMIC_ACQUIRE);

	return t && now_ns() - t < STALE_NS && !__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE);
}
