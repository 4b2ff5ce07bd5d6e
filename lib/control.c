// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * control.c - start, stop, configuration and statistics: thin wrappers over
 * the ioctls of uapi/monster.h, emulated from the file where that means
 * something for a file-backed ring set.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "lm_internal.h"

/* A control call a file-backed ring set has no answer for (generic message). */
static int lm_file_refuses(void)
{
	lm_note_clear();
	return -EOPNOTSUPP;
}

static int lm_ioctl(struct lmonster *h, unsigned long req, void *arg, const char *what)
{
	int ret;

	if (lm_is_file(h))
		return lm_file_refuses();
	do {
		ret = ioctl(h->fd, req, arg);
	} while (ret && errno == EINTR);
	if (ret) {
		ret = -errno;
		lm_log(LMONSTER_LOG_DEBUG, "%s: %s", what, strerror(-ret));
	}
	return ret;
}

LMONSTER_API int lmonster_start(struct lmonster *h)
{
	if (!h)
		return -EINVAL;
	return lm_ioctl(h, MONSTER_IOC_START, NULL, "START");
}

LMONSTER_API int lmonster_stop(struct lmonster *h)
{
	if (!h)
		return -EINVAL;
	return lm_ioctl(h, MONSTER_IOC_STOP, NULL, "STOP");
}

LMONSTER_API int lmonster_reset(struct lmonster *h)
{
	if (!h)
		return -EINVAL;
	return lm_ioctl(h, MONSTER_IOC_RESET, NULL, "RESET");
}

LMONSTER_API int lmonster_get_config(struct lmonster *h, struct monster_config *cfg)
{
	if (!h || !cfg)
		return -EINVAL;
	if (lm_is_file(h)) {
		memset(cfg, 0, sizeof(*cfg));
		cfg->rate_hz = __atomic_load_n(&h->fh->rate_hz, __ATOMIC_RELAXED);
		cfg->scope = __atomic_load_n(&h->fh->scope, __ATOMIC_RELAXED);
		cfg->ring_slots = h->info.ring_slots;
		cfg->numa_node = h->info.numa_node;
		return 0;
	}
	return lm_ioctl(h, MONSTER_IOC_GET_CONFIG, cfg, "GET_CONFIG");
}

LMONSTER_API int lmonster_set_config(struct lmonster *h, const struct monster_config *cfg)
{
	int ret = 0;

	if (!h || !cfg)
		return -EINVAL;
	/* fields a driver without the feature would refuse as reserved: say which instead */
	if ((cfg->flags & MONSTER_CF_CHANGED_ONLY) || cfg->keyframe)
		ret = lm_feature_require(h, LM_FEAT_CHANGED_ONLY);
	if (!ret && cfg->sweep_threads)
		ret = lm_feature_require(h, LM_FEAT_PARALLEL);
	if (!ret && (cfg->events || cfg->fault_tgid || cfg->fault_every))
		ret = lm_feature_require(h, LM_FEAT_EVENTS);
	if (ret)
		return ret;
	/* the ioctl takes a non-const pointer; the driver only reads it */
	return lm_ioctl(h, MONSTER_IOC_SET_CONFIG, (void *)cfg, "SET_CONFIG");
}

LMONSTER_API int lmonster_set_rate(struct lmonster *h, unsigned int rate_hz)
{
	struct monster_config cfg;
	int ret;

	if (!h)
		return -EINVAL;
	if (!monster_rate_valid(rate_hz))
		return lm_err(-EINVAL, "rate %u Hz is outside %u..%u", rate_hz,
			      MONSTER_RATE_MIN, MONSTER_RATE_MAX);
	if (lm_is_file(h))
		return lm_file_refuses();
	ret = lmonster_get_config(h, &cfg);
	if (ret)
		return ret;
	cfg.rate_hz = rate_hz;
	return lmonster_set_config(h, &cfg);
}

LMONSTER_API int lmonster_stats(struct lmonster *h, struct monster_stats *st)
{
	if (!h || !st)
		return -EINVAL;
	if (lm_is_file(h)) {
		lm_file_stats(h, st);
		return 0;
	}
	return lm_ioctl(h, MONSTER_IOC_GET_STATS, st, "GET_STATS");
}

LMONSTER_API int lmonster_sweep_hist(struct lmonster *h, struct monster_sweep_hist *out)
{
	int ret;

	if (!h || !out)
		return -EINVAL;
	ret = lm_feature_require(h, LM_FEAT_SWEEP_HIST);
	if (ret)
		return ret;
	return lm_ioctl(h, MONSTER_IOC_GET_SWEEP_HIST, out, "GET_SWEEP_HIST");
}

LMONSTER_API int lmonster_kind_stats(struct lmonster *h, struct monster_kind_stats *out)
{
	int ret;

	if (!h || !out)
		return -EINVAL;
	ret = lm_feature_require(h, LM_FEAT_EVENTS);
	if (ret)
		return ret;
	if (lm_is_file(h)) {
		lm_file_kind_stats(h, out);
		return 0;
	}
	return lm_ioctl(h, MONSTER_IOC_GET_KIND_STATS, out, "GET_KIND_STATS");
}
