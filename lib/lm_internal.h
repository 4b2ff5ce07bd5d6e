/* SPDX-License-Identifier: (LGPL-2.1 OR MIT) */
/*
 * lm_internal.h - liblmonster's private types and helpers, shared by the files of lib/.
 */
#ifndef LM_INTERNAL_H
#define LM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "lmonster.h"

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
};

static inline int lm_is_file(const struct lmonster *h)
{
	return (h->flags & LMONSTER_F_FILE) != 0;
}

static inline int lm_mapped(const struct lmonster *h)
{
	return h->tails != NULL;
}

/* error.c */
__attribute__((format(printf, 2, 3)))
void lm_log(int level, const char *fmt, ...);
/* Log at error level and return err, for "return lm_err(-E..., ...)". */
__attribute__((format(printf, 2, 3)))
int lm_err(int err, const char *fmt, ...);
void lm_note_abi(unsigned int seen);

/* fileset.c */
int lm_file_read_header(int fd, const char *name, struct monster_info *info);
void lm_file_stats(const struct lmonster *h, struct monster_stats *st);

/* ring.c */
int lm_any_ready(struct lmonster *h);
/* ring.c: claim if needed, acquire head, check it; the ready count in *avail */
int lm_ring_ready(struct lmonster *h, unsigned int ring, struct lm_ring **rp, __u64 *avail);

/* open.c */
int lm_check_info(const struct monster_info *info, const char *name);
struct lmonster *lm_handle_alloc(int fd, unsigned int flags);
void lm_init_rings(struct lmonster *h);
int lm_reopen(int fd, char *proc, size_t len);

#endif /* LM_INTERNAL_H */
