// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * handle.c - a consumer handle's life: its memory and per-ring state, its
 * own open file, the hooks that run before it unmaps, and its close. Both
 * ways of making one use it: open.c (device or file) and fileset.c (a
 * consumer reading through its producer's mapping).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lm_internal.h"

/* Every handle's hook list: a hook's owner may finish it while the handle closes. */
static pthread_mutex_t lm_hook_lock = PTHREAD_MUTEX_INITIALIZER;

struct lmonster *lm_handle_alloc(int fd, unsigned int flags)
{
	/* aligned: the per-ring state is one cache line each */
	struct lmonster *h = aligned_alloc(LM_CACHELINE, sizeof(*h));

	if (!h)
		return NULL;
	memset(h, 0, sizeof(*h));
	h->fd = fd;
	h->flags = flags;
	return h;
}

void lm_init_rings(struct lmonster *h)
{
	unsigned int i;

	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		struct lm_ring *r = &h->ring[i];

		r->hdr = &h->hdrs->ring[i];
		r->tailp = &h->tails[i];
		r->recs = (const void *)(h->data + i * h->info.ring_bytes);
		r->mask = h->info.ring_slots - 1;
	}
}

int lm_reopen(int fd, char *proc, size_t len)
{
	int nfd;

	snprintf(proc, len, "/proc/self/fd/%d", fd);
	nfd = open(proc, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (nfd < 0)
		return lm_err(-errno, "%s: reopen: %s", proc, strerror(errno));
	return nfd;
}

int lm_close_hook_add(struct lmonster *h, struct lm_close_hook *hook)
{
	struct lm_close_hook *it;
	int ret = 0;

	pthread_mutex_lock(&lm_hook_lock);
	for (it = h->close_hooks; it; it = it->next)
		if (it->fn == hook->fn)
			ret = -EBUSY;
	if (!ret) {
		hook->h = h;
		hook->next = h->close_hooks;
		h->close_hooks = hook;
	}
	pthread_mutex_unlock(&lm_hook_lock);
	return ret;
}

/* Unlink a registered hook from its handle and run it. Under lm_hook_lock. */
static void lm_hook_run(struct lm_close_hook *hook)
{
	struct lm_close_hook **pp;

	for (pp = &hook->h->close_hooks; *pp; pp = &(*pp)->next)
		if (*pp == hook) {
			*pp = hook->next;
			break;
		}
	hook->h = NULL;
	hook->next = NULL;
	hook->fn(hook);
}

void lm_close_hook_finish(struct lm_close_hook *hook)
{
	pthread_mutex_lock(&lm_hook_lock);
	if (hook->h)
		lm_hook_run(hook);
	pthread_mutex_unlock(&lm_hook_lock);
}

void lm_handle_closing(struct lmonster *h)
{
	pthread_mutex_lock(&lm_hook_lock);
	while (h->close_hooks)
		lm_hook_run(h->close_hooks);
	pthread_mutex_unlock(&lm_hook_lock);
}

LMONSTER_API void lmonster_close(struct lmonster *h)
{
	int saved = errno;	/* close is void: leave the caller's errno alone */

	if (!h)
		return;
	lm_handle_closing(h);	/* e.g. GPU processors unregister the rings before the unmap */
	if (h->flags & LM_F_BORROWED)
		goto out;	/* the producer's mapping, not ours */
	if (h->data_map)
		munmap(h->data_map, h->data_len);
	if (h->ro_map)
		munmap(h->ro_map, h->ro_len);
	if (h->tails)
		munmap(h->tails, h->tails_len);
	if (h->fh)
		munmap(h->fh, h->fh_len);
out:
	if (h->fd >= 0)
		close(h->fd);	/* drops every claim with the open file */
	free(h);
	errno = saved;
}

LMONSTER_API int lmonster_info(const struct lmonster *h, struct monster_info *info)
{
	if (!h || !info)
		return -EINVAL;
	*info = h->info;
	return 0;
}

LMONSTER_API int lmonster_flags(const struct lmonster *h)
{
	if (!h)
		return -EINVAL;
	return (int)(h->flags & ~LM_F_BORROWED);
}
