/* SPDX-License-Identifier: (LGPL-2.1 OR MIT) */
/*
 * lm_internal.h - liblmonster's private types and the functions the files
 * of lib/ offer each other, grouped by the file that defines them. The
 * CUDA driver table has its own header (lm_cuda.h): it needs cuda.h.
 */
#ifndef LM_INTERNAL_H
#define LM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lmonster.h"
#include "lmonster_gpu.h"

#define LM_OPEN_VALID	LMONSTER_OPEN_CONTROL
#define LM_F_BORROWED	(1U << 30)	/* maps belong to a producer in this process */
#define LM_CACHELINE	64

/* A consumer's per-ring state; one cache line so threads consuming
 * different rings of one handle do not share one. */
struct lm_ring {
	const struct monster_ring_header *hdr;
	struct monster_ring_tail *tailp;	/* our slot in the tails page */
	const struct monster_sample *recs;	/* first record of the ring */
	__u64 tail;				/* what we released last */
	__u64 head;				/* head seen at the last peek */
	__u32 mask;
} __attribute__((aligned(LM_CACHELINE)));

/*
 * What lmonster_close() runs before it unmaps anything, registered by a
 * part of the library that must act while the rings are still mapped
 * (a GPU processor unregisters the ring memory it pinned). Embedded in
 * its owner; fn finds the owner from the hook.
 */
struct lm_close_hook {
	struct lm_close_hook *next;
	struct lmonster *h;		/* the handle it is registered on, NULL once run */
	void (*fn)(struct lm_close_hook *hook);
};

struct lmonster {
	struct lm_ring ring[MONSTER_NR_RINGS];
	int fd;
	unsigned int flags;		/* open flags | LMONSTER_F_FILE */
	unsigned int claimed;		/* ring bitmap, __atomic accessed */
	struct monster_info info;
	struct lmonster_file_header *fh;	/* file sets: page 0, else NULL */
	size_t fh_len;
	struct monster_ring_tail *tails;	/* NULL for control handles */
	size_t tails_len;
	const struct monster_headers *hdrs;
	void *ro_map;			/* headers (and data if contiguous) */
	size_t ro_len;
	void *data_map;			/* data when not contiguous with headers */
	size_t data_len;
	const unsigned char *data;
	struct lm_close_hook *close_hooks;	/* under handle.c's hook lock */
};

static inline int lm_is_file(const struct lmonster *h)
{
	return (h->flags & LMONSTER_F_FILE) != 0;
}

static inline int lm_mapped(const struct lmonster *h)
{
	return h->tails != NULL;
}

/* CLOCK_MONOTONIC in nanoseconds: timeouts and batch timings. */
static inline __u64 lm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* error.c */
__attribute__((format(printf, 2, 3)))
void lm_log(int level, const char *fmt, ...);
/* Log at error level and return err, for "return lm_err(-E..., ...)". */
__attribute__((format(printf, 2, 3)))
int lm_err(int err, const char *fmt, ...);
/*
 * lm_err(), and the message is also what lmonster_strerror(err) answers in
 * this thread until the next note or lm_note_clear().
 */
__attribute__((format(printf, 2, 3)))
int lm_err_note(int err, const char *fmt, ...);
void lm_note_clear(void);

/* abi.c */
/* -EPROTO unless the driver's (or file's) ABI is one this library reads. */
int lm_abi_check(const struct monster_info *info, const char *name);
/* The features of MONSTER_ABI_MINOR > 0 a call may need, indices into abi.c's table. */
enum lm_feature {
	LM_FEAT_SWEEP_HIST,
	LM_FEAT_CHANGED_ONLY,
	LM_FEAT_PARALLEL,
	LM_FEAT_EVENTS,
	LM_NR_FEATURES
};
/* 0 if h's driver provides the feature, else -EOPNOTSUPP naming it and the versions. */
int lm_feature_require(const struct lmonster *h, enum lm_feature feat);

/* handle.c: a handle's memory, rings, open file and close hooks */
struct lmonster *lm_handle_alloc(int fd, unsigned int flags);
void lm_init_rings(struct lmonster *h);
/* A new open file of what fd refers to: claims (OFD locks) are per open file. */
int lm_reopen(int fd, char *proc, size_t len);
/* Register hook on h: -EBUSY if h has a hook with the same fn already. */
int lm_close_hook_add(struct lmonster *h, struct lm_close_hook *hook);
/* Run hook now if it is still registered (and unregister it); else nothing. */
void lm_close_hook_finish(struct lm_close_hook *hook);
/* Run and unregister every hook of h: what lmonster_close() does first. */
void lm_handle_closing(struct lmonster *h);

/* fileset.c */
int lm_file_read_header(int fd, const char *name, struct monster_info *info);
void lm_file_stats(const struct lmonster *h, struct monster_stats *st);
void lm_file_kind_stats(const struct lmonster *h, struct monster_kind_stats *ks);

/* ring.c */
int lm_any_ready(struct lmonster *h);
/* Claim if needed, acquire head, check it; the ready count in *avail. */
int lm_ring_ready(struct lmonster *h, unsigned int ring, struct lm_ring **rp, __u64 *avail);

/* span.c: the spans of all rings for a batch (rows = the largest count) */
int lm_batch_spans(struct lmonster *h, unsigned int max,
		   struct lmonster_span spans[MONSTER_NR_RINGS], unsigned int *rows);
/*
 * A batch begun at t0 is done with its records: release the spans (unless
 * LMONSTER_BATCH_PEEK) and set b->batch_ns.
 */
int lm_batch_end(struct lmonster *h, const struct lmonster_span spans[MONSTER_NR_RINGS],
		 unsigned int flags, __u64 t0, struct lmonster_batch *b);

/* cpu_path.c: ring sums, patterns and totals from the per-ring feature sums and counts */
void lm_batch_finish(struct lmonster_batch *b);

/* numa.c */
int lm_numa_ok(void);
int lm_numa_nodes(void);

/* gpu_error.c: the calling thread's last GPU error, for lmonster_gpu_strerror() */
void lm_gpu_clear(void);
/* Set the detail, log it and return err. */
__attribute__((format(printf, 2, 3)))
int lm_gpu_fail(int err, const char *fmt, ...);
struct lm_gpu_error {
	int code;
	char msg[256];
};
void lm_gpu_error_save(struct lm_gpu_error *e);
void lm_gpu_error_restore(const struct lm_gpu_error *e);

#endif /* LM_INTERNAL_H */
