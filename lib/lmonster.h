/* SPDX-License-Identifier: (LGPL-2.1 OR MIT) */
/*
 * lmonster.h - liblmonster, the zero-copy consumer library of /dev/monster.
 *
 * Build:   cc app.c $(pkg-config --cflags --libs lmonster)
 *
 * A handle (struct lmonster) is either the device or a file-backed ring set
 * with the identical layout; every consumer call below works the same on
 * both, lmonster_flags() tells them apart (LMONSTER_F_FILE).
 *
 *	struct lmonster *h;
 *	const struct monster_sample *recs;
 *	unsigned int n;
 *	int err = lmonster_open(NULL, 0, &h);
 *	if (err) {
 *		fprintf(stderr, "%s\n", lmonster_strerror(err));
 *		return 1;
 *	}
 *	while (lmonster_wait(h, 1000) == 0)
 *		for (unsigned int r = 0; r < MONSTER_NR_RINGS; r++)
 *			while (lmonster_ring_peek(h, r, &recs, &n) == 0 && n) {
 *				use(recs, n);                  // in place, no copy
 *				lmonster_ring_release(h, r, n);
 *			}
 *	lmonster_close(h);
 *
 * Errors: every call returns 0 (or a count, where documented) on success and
 * a negative errno on failure; lmonster_strerror() says what to do about it.
 * The library never aborts, never prints (see lmonster_set_log) and frees
 * everything it allocated on every error path.
 *
 * Memory ordering (the protocol of uapi/monster.h): lmonster_ring_peek()
 * loads the producer's head with __ATOMIC_ACQUIRE, so the records it hands
 * out are complete; lmonster_ring_release() stores the tail with
 * __ATOMIC_RELEASE, so every read of the released records happens before
 * the producer may overwrite them. One release store per batch.
 *
 * Thread model: each ring is single-producer single-consumer. A handle
 * consumes a ring only after claiming it (lmonster_claim, or implicitly on
 * the first lmonster_ring_peek / lmonster_for_each). A claim is an OFD lock
 * (fcntl F_OFD_SETLK, write lock on byte <ring> of the device or file), so
 * it holds across threads and processes and dies with the handle's open
 * file: a second handle claiming the same ring gets -EBUSY, never a shared
 * tail. Within one handle, different rings may be consumed by different
 * threads at once, but each ring (peek, release, unclaim) by one thread at
 * a time; info, wait, stats and control calls are safe from any thread.
 * A handle must not be used in a
 * child after fork(). Claims are per device node inode: two different
 * device nodes for the same device (e.g. in a container) do not see each
 * other's claims.
 *
 * NUMA: the rings live on monster_info.numa_node (-1: spread or unknown);
 * a consumer wanting locality binds itself there (lmonster_gpu.h has helpers).
 *
 * Versions: the driver speaks ABI abi_major.abi_minor (lmonster_info). Open
 * accepts any minor of this library's MONSTER_ABI_MAJOR (-EPROTO for another
 * major); a call added after ABI 1.0 needs the driver's feature bit for it
 * (monster_info.features, MONSTER_FEAT_*) and without it returns -EOPNOTSUPP,
 * lmonster_strerror() then naming the feature and the versions.
 */
#ifndef LMONSTER_H
#define LMONSTER_H

#include <monster.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(LMONSTER_BUILD)
#define LMONSTER_API __attribute__((visibility("default")))
#else
#define LMONSTER_API
#endif

struct lmonster;		/* a consumer: device or file-backed ring set */
struct lmonster_producer;	/* the writer of a file-backed ring set */

#define LMONSTER_ALL_RINGS	((1U << MONSTER_NR_RINGS) - 1)

/* lmonster_open*() flags */
#define LMONSTER_OPEN_CONTROL	(1U << 0)	/* control and stats only: map no rings
						 * (SET_CONFIG of slots/node needs this) */
/* lmonster_flags() adds */
#define LMONSTER_F_FILE		(1U << 16)	/* a file-backed ring set, not the device */

/* Library version, e.g. "0.3.0". */
LMONSTER_API const char *lmonster_version(void);

/*
 * Open the device (path NULL: MONSTER_DEVICE_PATH) or, if path names a
 * regular file, a file-backed ring set. Checks the ABI (-EPROTO for another
 * major; any minor opens), validates the layout the driver reports (-EBADMSG if it does
 * not add up) and maps the rings: records and headers read-only, tails
 * read-write. Errors: -ENOENT (no such path: module not loaded), -EACCES,
 * -ENODEV (neither a monster device nor a ring-set file), -EPROTO,
 * -EBADMSG, -ENOMEM, -EINVAL (NULL out, unknown flags).
 */
LMONSTER_API int lmonster_open(const char *path, unsigned int flags, struct lmonster **out);
/* Like lmonster_open() but path must be a file-backed ring set (else -ENODEV). */
LMONSTER_API int lmonster_open_file(const char *path, unsigned int flags, struct lmonster **out);
/*
 * Open what fd refers to (device or ring-set file, e.g. a producer's memfd).
 * fd is reopened through /proc/self/fd, so the handle has its own open file
 * (and its own claims); the caller keeps fd.
 */
LMONSTER_API int lmonster_open_fd(int fd, unsigned int flags, struct lmonster **out);
/* Unmaps, drops every claim and closes. NULL is a no-op. */
LMONSTER_API void lmonster_close(struct lmonster *h);

/*
 * The layout and what the driver speaks: a copy of MONSTER_IOC_GET_INFO's
 * answer (or the file's), abi_major, abi_minor and features included.
 */
LMONSTER_API int lmonster_info(const struct lmonster *h, struct monster_info *info);
/* The open flags plus LMONSTER_F_FILE for a file-backed set, or -EINVAL. */
LMONSTER_API int lmonster_flags(const struct lmonster *h);
/*
 * The device fd, for a caller's own poll/epoll loop: POLLIN means some ring
 * (any ring, also one another consumer owns) has records. A file-backed set
 * has no such fd (epoll refuses regular files): -EOPNOTSUPP, use
 * lmonster_wait().
 */
LMONSTER_API int lmonster_fd(const struct lmonster *h);

/*
 * Claim rings (bit i = ring i) for this handle: all or none; -EBUSY if
 * another handle (this or another process) holds one of them. Claiming a
 * ring this handle holds is a no-op. The consumer's tail starts at the tail
 * in force (what the last consumer released). -EBADFD on a control handle.
 */
LMONSTER_API int lmonster_claim(struct lmonster *h, unsigned int ring_mask);
/* Give rings back (records peeked but not released stay unreleased). */
LMONSTER_API int lmonster_unclaim(struct lmonster *h, unsigned int ring_mask);

/*
 * The contiguous run of ready records of a ring, in place: *recs points at
 * *count records (0 if none; the run stops at the ring's wrap, so a second
 * peek after releasing it returns the rest). Claims the ring on first use.
 * -EINVAL: ring >= MONSTER_NR_RINGS or NULL pointers; -EBUSY: claimed
 * elsewhere; -EBADMSG: the producer's indices make no sense.
 */
LMONSTER_API int lmonster_ring_peek(struct lmonster *h, unsigned int ring,
				    const struct monster_sample **recs, unsigned int *count);
/*
 * Release n records of a ring (one release store of the tail); the records
 * must not be touched afterwards. n may not exceed what was ready at the
 * last peek (-EINVAL); n == 0 is a no-op.
 */
LMONSTER_API int lmonster_ring_release(struct lmonster *h, unsigned int ring, unsigned int n);

/*
 * Called for each record by lmonster_for_each(): return 0 to go on, > 0 to
 * stop after this record, < 0 to stop before it (the record stays unreleased
 * and the value is returned).
 */
typedef int (*lmonster_record_fn)(unsigned int ring, const struct monster_sample *rec, void *arg);
/*
 * Claim all 15 rings and consume up to max records (0: everything ready,
 * at most one ring's worth per ring per call), ring 0 first, releasing as
 * it goes. Returns the number of records consumed or a negative errno.
 */
LMONSTER_API int lmonster_for_each(struct lmonster *h, lmonster_record_fn fn, void *arg,
				   unsigned int max);

/*
 * Record kinds (ABI 1.3, MONSTER_FEAT_EVENTS). Every record begins with the
 * same 56 bytes (seq, timestamp_ns, pid, tgid, cpu, flags, shard, hecke,
 * kind, comm); kind tells a sample (MONSTER_KIND_SAMPLE) from an event,
 * whose payload is one member of struct monster_event's union. A record of
 * a kind the consumer does not know is skipped, never read as another.
 */
/* The kinds lmonster_for_each_kind() can select: MONSTER_EVENT(kind) bits, samples included. */
#define LMONSTER_KINDS_ALL	((1U << MONSTER_NR_KINDS) - 1)

/*
 * The record as an event, in place (the same address): NULL for a sample
 * and for NULL. Any other kind, also one this library does not know, gives
 * the event: its header fields mean what they mean in every record; read
 * the payload of the kinds you know only (switch on e->kind).
 */
LMONSTER_API const struct monster_event *lmonster_event(const struct monster_sample *rec);
/*
 * lmonster_for_each() for the records whose kind is in kinds
 * (MONSTER_EVENT(kind) bits within LMONSTER_KINDS_ALL, not 0): only they go
 * to fn; every other record, of another kind or of a kind this library does
 * not know, is released unseen as the walk passes it. max counts the
 * records given to fn (0: everything ready, at most one ring's worth per
 * ring read per call), and so does the return value. fn's return value
 * works as for lmonster_for_each(). -EINVAL for bad kinds.
 */
LMONSTER_API int lmonster_for_each_kind(struct lmonster *h, unsigned int kinds,
					lmonster_record_fn fn, void *arg, unsigned int max);

/*
 * Wait until one of this handle's rings (its claimed ones, or all if none
 * are claimed) has records: 0 when some are ready, -ETIMEDOUT, -EINTR.
 * timeout_ms < 0 waits forever, 0 only checks. Device: poll(2); file set:
 * a futex in the file header that the producer bumps.
 */
LMONSTER_API int lmonster_wait(struct lmonster *h, int timeout_ms);

/*
 * Control: thin wrappers over the ioctls of uapi/monster.h (start while
 * running: -EBUSY; stop while stopped: 0; slots/node while running, mapped
 * or open elsewhere: -EBUSY). On a file-backed set start, stop, set_config
 * and reset return -EOPNOTSUPP; get_config and stats are emulated from the
 * file (running 0, rate/scope as the producer recorded them). set_config
 * makes a change newer than ABI 1.0 only on a driver with its feature, else
 * -EOPNOTSUPP naming it: changed_only and keyframe (MONSTER_FEAT_CHANGED_ONLY),
 * sweep_threads (MONSTER_FEAT_PARALLEL), events, fault_tgid and fault_every
 * (MONSTER_FEAT_EVENTS).
 */
LMONSTER_API int lmonster_start(struct lmonster *h);
LMONSTER_API int lmonster_stop(struct lmonster *h);
LMONSTER_API int lmonster_get_config(struct lmonster *h, struct monster_config *cfg);
LMONSTER_API int lmonster_set_config(struct lmonster *h, const struct monster_config *cfg);
/* get_config, set rate_hz, set_config. */
LMONSTER_API int lmonster_set_rate(struct lmonster *h, unsigned int rate_hz);
LMONSTER_API int lmonster_stats(struct lmonster *h, struct monster_stats *st);
LMONSTER_API int lmonster_reset(struct lmonster *h);
/*
 * MONSTER_IOC_GET_SWEEP_HIST (ABI 1.1, MONSTER_FEAT_SWEEP_HIST): how long the
 * sweeps took, per power of two of nanoseconds. -EOPNOTSUPP from a driver
 * without the feature and from a file-backed set (no sweep timing there).
 */
LMONSTER_API int lmonster_sweep_hist(struct lmonster *h, struct monster_sweep_hist *out);
/*
 * MONSTER_IOC_GET_KIND_STATS (ABI 1.3, MONSTER_FEAT_EVENTS): records produced
 * and dropped per kind and ring, the faults the fault source saw and
 * filtered, the kinds the kernel can record and those it records now. A
 * file-backed set answers from its file: the producer's counts per kind
 * (per ring they add up to lmonster_stats()' produced and dropped but for
 * kinds this library does not know); it has no event sources, so the
 * fault counts and both kind masks are 0. -EOPNOTSUPP from a driver or a
 * file without the feature.
 */
LMONSTER_API int lmonster_kind_stats(struct lmonster *h, struct monster_kind_stats *out);

/*
 * A message for err (negative or positive errno) that says what to do.
 * Static storage, except where the calling thread's last failure with that
 * code left a detail: -EPROTO names the ABI the last failed open met,
 * -EOPNOTSUPP the feature a driver lacked and both versions. Those live in
 * thread-local storage until the thread's next open or refused call.
 */
LMONSTER_API const char *lmonster_strerror(int err);

#define LMONSTER_LOG_ERR	3
#define LMONSTER_LOG_WARN	4
#define LMONSTER_LOG_DEBUG	7
typedef void (*lmonster_log_fn)(int level, const char *msg, void *arg);
/*
 * Route the library's diagnostics (details behind an error code: paths,
 * versions, values) to fn; NULL (the default) keeps it silent. Process-wide;
 * set it before other threads use the library.
 */
LMONSTER_API void lmonster_set_log(lmonster_log_fn fn, void *arg);

/*
 * File-backed ring sets.
 *
 * File layout (all offsets in bytes, P = page size):
 *   0       struct lmonster_file_header (one page): identifies the file and
 *           carries the struct monster_info a device would answer
 *           MONSTER_IOC_GET_INFO with, its offsets being file offsets;
 *   P       the tails page            (info.tails_offset)
 *   2P      the headers page(s)       (info.headers_offset)
 *   3P      ring data                 (info.data_offset), ring i at
 *           data_offset + i * ring_bytes
 * so from page 1 on the file is byte for byte what the device maps, and a
 * consumer follows the same protocol. A file whose info.features has
 * MONSTER_FEAT_EVENTS keeps the producer's counts per kind in page 0 too,
 * a struct monster_kind_stats at LMONSTER_FILE_KINDS_OFFSET (produced and
 * dropped filled in, the rest zero). The producer applies the driver's
 * rules: a full ring drops the new record (dropped and produced count it, it
 * takes a seq), and a tail that moves backwards or past head is ignored (the
 * last valid one stays in force) and counted in bad_tails, once per bad
 * value written (like the driver, a tail past head is taken once head has
 * reached it). Consumers map page 0 writable for the wake-up words only.
 * A file is trusted like any file its user can write; nothing in it is
 * trusted to the point of reading outside the mapping.
 */
#define LMONSTER_FILE_MAGIC	"LMONSTER"	/* 8 bytes, no NUL */
#define LMONSTER_FILE_VERSION	1

struct lmonster_file_header {
	char  magic[8];			/* LMONSTER_FILE_MAGIC */
	__u32 version;			/* LMONSTER_FILE_VERSION */
	__u32 header_size;		/* sizeof(struct lmonster_file_header) */
	__u64 file_size;		/* == info.map_size */
	__u32 rate_hz;			/* reported by lmonster_get_config/stats */
	__u32 scope;
	__u64 __reserved0[4];
	struct monster_info info;	/* offset 64; abi_major is the rings' ABI */
	/* the producer's private view, for stats and for new consumers */
	__u64 accepted_tail[MONSTER_NR_RINGS];	/* last valid tail per ring */
	__u64 bad_tails[MONSTER_NR_RINGS];
	__u64 __reserved1[2];
	/* wake-up line (offset 512), the only words consumers write */
	__u32 wake_seq;			/* futex: bumped when waiters are woken */
	__u32 waiters;			/* consumers sleeping in lmonster_wait */
	__u64 __reserved2[7];
};
MONSTER_STATIC_ASSERT(sizeof(struct lmonster_file_header) == 576, "file header size");
MONSTER_OFFSET_IS(struct lmonster_file_header, info, 64);
MONSTER_OFFSET_IS(struct lmonster_file_header, wake_seq, 512);

#define LMONSTER_FILE_KINDS_OFFSET	1024	/* struct monster_kind_stats in page 0 */
MONSTER_STATIC_ASSERT(LMONSTER_FILE_KINDS_OFFSET >= sizeof(struct lmonster_file_header) &&
		      LMONSTER_FILE_KINDS_OFFSET % 64 == 0 &&
		      LMONSTER_FILE_KINDS_OFFSET + sizeof(struct monster_kind_stats) <= 4096,
		      "kind counts lie in page 0, after the header");

/* lmonster_producer_create() flags */
#define LMONSTER_CREATE_REPLACE	(1U << 0)	/* replace an existing file at path */

/*
 * Create a ring set with ring_slots records per ring (0: the default; else a
 * power of two in MONSTER_SLOTS_MIN..MAX). path NULL: an anonymous memfd
 * (sealed against resizing); else a new file at path, published atomically
 * (-EEXIST if one is there, unless LMONSTER_CREATE_REPLACE: mappers of the
 * old file keep it). Consumers: lmonster_open_fd(lmonster_producer_fd(p))
 * or lmonster_open(path).
 */
LMONSTER_API int lmonster_producer_create(const char *path, unsigned int ring_slots,
					  unsigned int flags, struct lmonster_producer **out);
LMONSTER_API int lmonster_producer_fd(const struct lmonster_producer *p);
/*
 * A consumer handle in the producer's own process that reads through the
 * producer's mapping instead of a second one (its own open file, so its own
 * claims). Producer and consumer then touch the same addresses, which is
 * also what lets ThreadSanitizer check the protocol. Close it before the
 * producer.
 */
LMONSTER_API int lmonster_producer_consumer(struct lmonster_producer *p, unsigned int flags,
					    struct lmonster **out);
/* What get_config/stats report for this set (scope MONSTER_SCOPE_*). */
LMONSTER_API int lmonster_producer_set_config(struct lmonster_producer *p,
					      unsigned int rate_hz, unsigned int scope);

#define LMONSTER_RING_AUTO	(-1)
/*
 * Append a copy of rec, a record of any kind, to a ring and publish it
 * (release store of head), waking sleeping consumers. ring
 * LMONSTER_RING_AUTO: the ring is monster_shard(monster_record_combined(rec))
 * and shard and hecke are computed; an explicit ring 0..14 stores shard and
 * hecke as given. seq is always the producer's: the ring's produced count.
 * The record is counted per kind too (lmonster_kind_stats), but for a kind
 * this library does not know, which the ring still carries. Returns 0, or
 * -ENOBUFS when the ring was full and the record was dropped (and counted),
 * -EINVAL. One thread pushes to a producer at a time.
 */
LMONSTER_API int lmonster_producer_push(struct lmonster_producer *p, int ring,
					const struct monster_sample *rec);
/*
 * Free slots of a ring (>= 0) after re-reading its consumer's tail: a
 * producer that must not lose records (a replay) waits for room instead of
 * pushing into a full ring.
 */
LMONSTER_API int lmonster_producer_room(struct lmonster_producer *p, unsigned int ring);
/* Count a sweep (monster_shared_header.sweeps), as the driver does per period. */
LMONSTER_API int lmonster_producer_sweep(struct lmonster_producer *p);
/* Unmap and close; the file (and open consumers) stay. NULL is a no-op. */
LMONSTER_API void lmonster_producer_close(struct lmonster_producer *p);

#ifdef __cplusplus
}
#endif

#endif /* LMONSTER_H */
