// SPDX-License-Identifier: GPL-2.0
/*
 * t_errors.c - every error path of the library: what it returns, what
 * lmonster_strerror() says about it, and that it leaves no descriptor or
 * mapping behind (memory leaks are ASan's job).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

#define INFO_AT(field) ((off_t)(offsetof(struct lmonster_file_header, info) + \
				offsetof(struct monster_info, field)))

static int pwrite_u32(const char *path, off_t off, uint32_t v, uint32_t *old)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	int ok;

	if (fd < 0)
		return -1;
	ok = (!old || pread(fd, old, sizeof(*old), off) == sizeof(*old)) &&
	     pwrite(fd, &v, sizeof(v), off) == sizeof(v);
	close(fd);
	return ok ? 0 : -1;
}

static int make_set(const char *path, unsigned int slots)
{
	struct lmonster_producer *p;
	int ret = lmonster_producer_create(path, slots, LMONSTER_CREATE_REPLACE, &p);

	lmonster_producer_close(p);
	return ret;
}

static void test_err_enoent(void)
{
	struct lmonster *h = (struct lmonster *)&h;
	const char *want = "/dev/monster not found: is the monster module loaded? (modprobe monster)";
	int fds = th_count_fds(), maps = th_count_maps();

	CHECK_RET(lmonster_open("/nonexistent/monster", 0, &h), -ENOENT);
	CHECK(h == NULL, "*out not cleared on failure");
	CHECK_RET(lmonster_open_file("/nonexistent/ringset", 0, &h), -ENOENT);
	CHECK(!strcmp(lmonster_strerror(-ENOENT), want), "message: %s", lmonster_strerror(-ENOENT));
	CHECK(!strcmp(lmonster_strerror(ENOENT), want), "positive errno not accepted");
	CHECK(th_count_fds() == fds && th_count_maps() == maps, "descriptor or mapping leaked");
	PASSED("-ENOENT: \"%s\"", want);
out:;
}

static void test_err_not_monster(void)
{
	struct lmonster *h = NULL;
	const char *junk = th_path("junk"), *fifo;
	char junkp[160], buf[4096];
	int fd, fds = th_count_fds(), maps = th_count_maps();

	snprintf(junkp, sizeof(junkp), "%s", junk);
	fifo = th_path("fifo");
	CHECK(mkfifo(fifo, 0600) == 0, "mkfifo");
	fd = open(junkp, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "create junk");
	memset(buf, 'x', sizeof(buf));
	CHECK(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf), "write junk");
	close(fd);

	CHECK_RET(lmonster_open("/tmp", 0, &h), -ENODEV);		/* a directory */
	CHECK_RET(lmonster_open(fifo, 0, &h), -ENODEV);		/* never blocks on it */
	CHECK_RET(lmonster_open("/dev/null", 0, &h), -ENODEV);	/* another driver's device */
	CHECK_RET(lmonster_open(junkp, 0, &h), -ENODEV);		/* no LMONSTER header */
	CHECK_RET(lmonster_open_file("/dev/null", 0, &h), -ENODEV);	/* file API, device path */
	CHECK(strstr(lmonster_strerror(-ENODEV), "not a monster device"), "message: %s",
	      lmonster_strerror(-ENODEV));
	CHECK(h == NULL, "*out set on failure");
	CHECK(th_count_fds() == fds && th_count_maps() == maps, "descriptor or mapping leaked");
	PASSED("directory, FIFO, /dev/null, junk file, file API on a device: -ENODEV");
out:
	unlink(junkp);
}

static void test_err_eacces(void)
{
	struct lmonster *h = NULL;
	char path[160];
	int status, ret;
	pid_t pid;

	snprintf(path, sizeof(path), "%s", th_path("eacces"));
	CHECK_RET(make_set(path, 64), 0);
	CHECK(chmod(path, 0600) == 0, "chmod");
	if (geteuid() == 0) {
		pid = fork();
		CHECK(pid >= 0, "fork");
		if (pid == 0) {
			if (setgid(65534) || setuid(65534))
				_exit(100);
			ret = lmonster_open(path, 0, &h);
			_exit(ret == -EACCES ? 0 : 1);
		}
		CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "unprivileged open did not fail with -EACCES (status %#x)", status);
	} else {
		CHECK(chmod(path, 0) == 0, "chmod");
		CHECK_RET(lmonster_open(path, 0, &h), -EACCES);
	}
	CHECK(strstr(lmonster_strerror(-EACCES), "permission denied") &&
	      strstr(lmonster_strerror(-EACCES), "udev"), "message: %s", lmonster_strerror(-EACCES));
	PASSED("-EACCES for an unprivileged opener: \"%s\"", lmonster_strerror(-EACCES));
out:
	unlink(path);
}

static void test_err_abi_mismatch(void)
{
	struct lmonster *h = NULL;
	char path[160], want[64];
	const char *msg;
	uint32_t old;
	int fds = th_count_fds(), maps = th_count_maps();

	snprintf(path, sizeof(path), "%s", th_path("abi"));
	CHECK_RET(make_set(path, 64), 0);
	CHECK(pwrite_u32(path, INFO_AT(abi_major), MONSTER_ABI_MAJOR + 41, &old) == 0, "patch");
	CHECK_RET(lmonster_open(path, 0, &h), -EPROTO);
	msg = lmonster_strerror(-EPROTO);
	snprintf(want, sizeof(want), "ABI %u", MONSTER_ABI_MAJOR + 41);
	CHECK(strstr(msg, want), "message does not name the file's ABI: %s", msg);
	snprintf(want, sizeof(want), "ABI %u", MONSTER_ABI_MAJOR);
	CHECK(strstr(msg, want), "message does not name the library's ABI: %s", msg);
	CHECK(pwrite_u32(path, INFO_AT(abi_major), old, NULL) == 0, "restore");
	/* a future file format is refused the same way */
	CHECK(pwrite_u32(path, offsetof(struct lmonster_file_header, version), 99, &old) == 0, "patch");
	CHECK_RET(lmonster_open(path, 0, &h), -EPROTO);
	CHECK(pwrite_u32(path, offsetof(struct lmonster_file_header, version), old, NULL) == 0, "restore");
	CHECK_RET(lmonster_open(path, 0, &h), 0);
	lmonster_close(h);
	h = NULL;
	CHECK(th_count_fds() == fds && th_count_maps() == maps, "descriptor or mapping leaked");
	PASSED("ABI %u file: -EPROTO, \"%s\"", MONSTER_ABI_MAJOR + 41, msg);
out:
	lmonster_close(h);
	unlink(path);
}

/* A layout that does not add up is refused before anything is read through it. */
static void test_err_corrupt(void)
{
	struct lmonster *h = NULL;
	struct monster_info info;
	const struct monster_sample *recs;
	struct monster_ring_header *rh = MAP_FAILED;
	char path[160];
	unsigned int n;
	uint32_t old;
	size_t k;
	int fd = -1, fds = th_count_fds(), maps = th_count_maps();
	struct patch {
		off_t off;
		uint32_t val;
		const char *what;
	} patches[] = {
		{ INFO_AT(ring_slots), 100, "ring_slots not a power of two" },
		{ INFO_AT(nr_rings), 16, "16 rings" },
		{ INFO_AT(record_size), 128, "record size" },
		{ INFO_AT(primes[3]), 8, "a prime that is not" },
		{ INFO_AT(page_size), 65536, "page size" },
		{ INFO_AT(data_offset), 4096 * 3 + 8, "unaligned data" },
		{ INFO_AT(tails_offset), 4096 * 2, "tails over headers" },
		{ INFO_AT(ring_bytes), 4096, "ring_bytes" },
		{ offsetof(struct lmonster_file_header, header_size), 8, "header_size" },
	};

	snprintf(path, sizeof(path), "%s", th_path("corrupt"));
	CHECK_RET(make_set(path, 64), 0);
	CHECK_RET(lmonster_open(path, 0, &h), 0);
	CHECK_RET(lmonster_info(h, &info), 0);
	lmonster_close(h);
	h = NULL;
	for (k = 0; k < sizeof(patches) / sizeof(patches[0]); k++) {
		int ret;

		CHECK(pwrite_u32(path, patches[k].off, patches[k].val, &old) == 0, "patch");
		ret = lmonster_open(path, 0, &h);
		CHECK(ret == -EBADMSG, "%s: open = %d (%s), expected -EBADMSG", patches[k].what, ret,
		      lmonster_strerror(ret));
		CHECK(pwrite_u32(path, patches[k].off, old, NULL) == 0, "restore");
	}
	/* the mapped headers must agree with the info */
	CHECK(pwrite_u32(path, (off_t)info.headers_offset, 0xdead, &old) == 0, "patch magic");
	CHECK_RET(lmonster_open(path, 0, &h), -EBADMSG);
	CHECK(pwrite_u32(path, (off_t)info.headers_offset, old, NULL) == 0, "restore");
	CHECK(pwrite_u32(path, (off_t)(info.headers_offset + sizeof(struct monster_shared_header) +
				      5 * sizeof(struct monster_ring_header) +
				      offsetof(struct monster_ring_header, data_offset)), 12345, &old) == 0,
	      "patch ring header");
	CHECK_RET(lmonster_open(path, 0, &h), -EBADMSG);
	CHECK(pwrite_u32(path, (off_t)(info.headers_offset + sizeof(struct monster_shared_header) +
				      5 * sizeof(struct monster_ring_header) +
				      offsetof(struct monster_ring_header, data_offset)), old, NULL) == 0,
	      "restore");
	/* a truncated file would SIGBUS a reader: refused */
	CHECK(truncate(path, (off_t)info.map_size - 4096) == 0, "truncate");
	CHECK_RET(lmonster_open(path, 0, &h), -EBADMSG);
	CHECK(truncate(path, (off_t)info.map_size) == 0, "truncate back");
	/* a producer's head that runs away from the tail: refused at peek */
	CHECK_RET(lmonster_open(path, 0, &h), 0);
	fd = open(path, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "open");
	rh = mmap(NULL, info.headers_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		  (off_t)info.headers_offset);
	CHECK(rh != MAP_FAILED, "mmap");
	((struct monster_headers *)(void *)rh)->ring[3].head = info.ring_slots + 1;
	CHECK_RET(lmonster_ring_peek(h, 3, &recs, &n), -EBADMSG);
	((struct monster_headers *)(void *)rh)->ring[3].head = UINT64_MAX;	/* "behind" the tail */
	CHECK_RET(lmonster_ring_peek(h, 3, &recs, &n), -EBADMSG);
	CHECK(recs == NULL && n == 0, "outputs not cleared");
	((struct monster_headers *)(void *)rh)->ring[3].head = 0;
	CHECK_RET(lmonster_ring_peek(h, 3, &recs, &n), 0);
	munmap(rh, info.headers_size);
	rh = MAP_FAILED;
	close(fd);
	fd = -1;
	lmonster_close(h);
	h = NULL;
	CHECK(th_count_fds() == fds && th_count_maps() == maps, "descriptor or mapping leaked");
	PASSED("%zu bad info fields, bad shared/ring headers, a truncated file, a runaway head: "
	       "-EBADMSG, nothing leaked", sizeof(patches) / sizeof(patches[0]));
out:
	if (rh != MAP_FAILED)
		munmap(rh, info.headers_size);
	if (fd >= 0)
		close(fd);
	lmonster_close(h);
	unlink(path);
}

static void test_err_bad_args(void)
{
	struct lmonster_producer *p = NULL;
	struct lmonster *h = NULL, *x = NULL;
	const struct monster_sample *recs;
	struct monster_sample s;
	struct monster_config cfg;
	struct monster_stats st;
	struct monster_info info;
	unsigned int n;

	memset(&s, 0, sizeof(s));
	CHECK_RET(lmonster_producer_create(NULL, 64, 0, &p), 0);
	CHECK_RET(lmonster_open_fd(lmonster_producer_fd(p), 0, &h), 0);
	/* ring indices */
	CHECK_RET(lmonster_ring_peek(h, MONSTER_NR_RINGS, &recs, &n), -EINVAL);
	CHECK_RET(lmonster_ring_peek(h, 1000, &recs, &n), -EINVAL);
	CHECK_RET(lmonster_ring_release(h, MONSTER_NR_RINGS, 0), -EINVAL);
	CHECK_RET(lmonster_claim(h, 1U << MONSTER_NR_RINGS), -EINVAL);
	CHECK_RET(lmonster_unclaim(h, ~0U), -EINVAL);
	CHECK_RET(lmonster_producer_push(p, MONSTER_NR_RINGS, &s), -EINVAL);
	CHECK_RET(lmonster_producer_push(p, -2, &s), -EINVAL);
	CHECK_RET(lmonster_producer_room(p, MONSTER_NR_RINGS), -EINVAL);
	/* releases: unclaimed ring, more than ready */
	CHECK_RET(lmonster_ring_release(h, 1, 1), -EINVAL);
	CHECK_RET(lmonster_producer_push(p, 1, &s), 0);
	CHECK_RET(lmonster_producer_push(p, 1, &s), 0);
	CHECK_RET(lmonster_ring_release(h, 1, 1), -EINVAL);	/* claimed by nothing yet */
	CHECK_RET(lmonster_ring_peek(h, 1, &recs, &n), 0);
	CHECK(n == 2, "peek %u", n);
	CHECK_RET(lmonster_ring_release(h, 1, 3), -EINVAL);
	CHECK_RET(lmonster_ring_release(h, 1, 0), 0);
	CHECK_RET(lmonster_ring_release(h, 1, 1), 0);
	CHECK_RET(lmonster_ring_release(h, 1, 2), -EINVAL);	/* only one left */
	CHECK_RET(lmonster_ring_release(h, 1, 1), 0);
	CHECK_RET(lmonster_ring_release(h, 1, 1), -EINVAL);
	/* NULLs and unknown flags */
	CHECK_RET(lmonster_open(NULL, 0, NULL), -EINVAL);
	CHECK_RET(lmonster_open_file(NULL, 0, &x), -EINVAL);
	CHECK_RET(lmonster_open_fd(lmonster_producer_fd(p), 0, NULL), -EINVAL);
	CHECK_RET(lmonster_open("/dev/null", 0x80, &x), -EINVAL);
	CHECK_RET(lmonster_open_fd(lmonster_producer_fd(p), 0x80, &x), -EINVAL);
	CHECK_RET(lmonster_info(NULL, &info), -EINVAL);
	CHECK_RET(lmonster_info(h, NULL), -EINVAL);
	CHECK_RET(lmonster_flags(NULL), -EINVAL);
	CHECK_RET(lmonster_fd(NULL), -EINVAL);
	CHECK_RET(lmonster_claim(NULL, 1), -EINVAL);
	CHECK_RET(lmonster_unclaim(NULL, 1), -EINVAL);
	CHECK_RET(lmonster_ring_peek(NULL, 0, &recs, &n), -EINVAL);
	CHECK_RET(lmonster_ring_peek(h, 0, NULL, &n), -EINVAL);
	CHECK_RET(lmonster_ring_peek(h, 0, &recs, NULL), -EINVAL);
	CHECK_RET(lmonster_ring_release(NULL, 0, 0), -EINVAL);
	CHECK_RET(lmonster_for_each(NULL, NULL, NULL, 0), -EINVAL);
	CHECK_RET(lmonster_wait(NULL, 0), -EINVAL);
	CHECK_RET(lmonster_start(NULL), -EINVAL);
	CHECK_RET(lmonster_stop(NULL), -EINVAL);
	CHECK_RET(lmonster_reset(NULL), -EINVAL);
	CHECK_RET(lmonster_get_config(NULL, &cfg), -EINVAL);
	CHECK_RET(lmonster_get_config(h, NULL), -EINVAL);
	CHECK_RET(lmonster_set_config(NULL, &cfg), -EINVAL);
	CHECK_RET(lmonster_set_config(h, NULL), -EINVAL);
	CHECK_RET(lmonster_set_rate(NULL, 100), -EINVAL);
	CHECK_RET(lmonster_stats(NULL, &st), -EINVAL);
	CHECK_RET(lmonster_stats(h, NULL), -EINVAL);
	CHECK_RET(lmonster_producer_create(NULL, 64, 0, NULL), -EINVAL);
	CHECK_RET(lmonster_producer_consumer(NULL, 0, &x), -EINVAL);
	CHECK_RET(lmonster_producer_consumer(p, 0x80, &x), -EINVAL);
	CHECK_RET(lmonster_producer_consumer(p, 0, NULL), -EINVAL);
	CHECK_RET(lmonster_producer_push(NULL, 0, &s), -EINVAL);
	CHECK_RET(lmonster_producer_push(p, 0, NULL), -EINVAL);
	CHECK_RET(lmonster_producer_fd(NULL), -EINVAL);
	CHECK_RET(lmonster_producer_room(NULL, 0), -EINVAL);
	CHECK_RET(lmonster_producer_sweep(NULL), -EINVAL);
	CHECK_RET(lmonster_producer_set_config(NULL, 100, 0), -EINVAL);
	CHECK_RET(lmonster_producer_set_config(p, 0, 0), -EINVAL);
	CHECK_RET(lmonster_producer_set_config(p, 100, 2), -EINVAL);
	lmonster_close(NULL);
	lmonster_producer_close(NULL);
	CHECK(x == NULL, "*out set on failure");
	PASSED("ring >= 15, unclaimed or oversized releases, NULL handles/pointers, unknown flags: -EINVAL");
out:
	lmonster_close(h);
	lmonster_producer_close(p);
}

static void test_err_second_consumer(void)
{
	struct lmonster_producer *p = NULL;
	struct lmonster *h1 = NULL, *h2 = NULL;
	const struct monster_sample *recs;
	unsigned int n;
	int fd;

	CHECK_RET(lmonster_producer_create(NULL, 64, 0, &p), 0);
	fd = lmonster_producer_fd(p);
	CHECK_RET(lmonster_open_fd(fd, 0, &h1), 0);
	CHECK_RET(lmonster_open_fd(fd, 0, &h2), 0);	/* same fd, own open file */
	CHECK_RET(lmonster_ring_peek(h1, 3, &recs, &n), 0);
	CHECK_RET(lmonster_ring_peek(h2, 3, &recs, &n), -EBUSY);
	CHECK_RET(lmonster_claim(h2, 1U << 3), -EBUSY);
	CHECK_RET(lmonster_ring_peek(h2, 4, &recs, &n), 0);
	CHECK_RET(lmonster_claim(h1, 1U << 3), 0);	/* again: no-op */
	/* all or none: h2's failed for_each keeps nothing it tried */
	CHECK_RET(lmonster_claim(h2, LMONSTER_ALL_RINGS), -EBUSY);
	CHECK_RET(lmonster_claim(h1, 1U << 6), 0);
	CHECK_RET(lmonster_unclaim(h1, 1U << 3), 0);
	CHECK_RET(lmonster_ring_peek(h2, 3, &recs, &n), 0);
	CHECK_RET(lmonster_ring_peek(h1, 3, &recs, &n), -EBUSY);
	CHECK(strstr(lmonster_strerror(-EBUSY), "claimed by another consumer"), "message: %s",
	      lmonster_strerror(-EBUSY));
	lmonster_close(h2);	/* closing drops the claims */
	h2 = NULL;
	CHECK_RET(lmonster_ring_peek(h1, 3, &recs, &n), 0);
	PASSED("a second handle on a claimed ring: -EBUSY; claims all-or-none, dropped by unclaim and close");
out:
	lmonster_close(h1);
	lmonster_close(h2);
	lmonster_producer_close(p);
}

static int nop_cb(unsigned int ring, const struct monster_sample *rec, void *arg)
{
	(void)ring;
	(void)rec;
	(void)arg;
	return 0;
}

static void test_err_file_control(void)
{
	struct lmonster_producer *p = NULL;
	struct lmonster *h = NULL, *c = NULL;
	const struct monster_sample *recs;
	struct monster_config cfg;
	struct monster_stats st;
	struct monster_sample s;
	unsigned int n, i;

	CHECK_RET(lmonster_producer_create(NULL, 128, 0, &p), 0);
	CHECK_RET(lmonster_open_fd(lmonster_producer_fd(p), 0, &h), 0);
	CHECK(lmonster_flags(h) == (int)LMONSTER_F_FILE, "flags %#x", lmonster_flags(h));
	CHECK_RET(lmonster_start(h), -EOPNOTSUPP);
	CHECK_RET(lmonster_stop(h), -EOPNOTSUPP);
	CHECK_RET(lmonster_reset(h), -EOPNOTSUPP);
	CHECK_RET(lmonster_set_rate(h, 100), -EOPNOTSUPP);
	CHECK_RET(lmonster_set_rate(h, 0), -EINVAL);
	CHECK_RET(lmonster_set_rate(h, MONSTER_RATE_MAX + 1), -EINVAL);
	CHECK_RET(lmonster_get_config(h, &cfg), 0);
	CHECK_RET(lmonster_set_config(h, &cfg), -EOPNOTSUPP);
	CHECK(cfg.rate_hz == MONSTER_RATE_DEFAULT && cfg.scope == MONSTER_SCOPE_PROCESS &&
	      cfg.ring_slots == 128 && cfg.numa_node == MONSTER_NODE_ANY, "emulated config");
	CHECK_RET(lmonster_producer_set_config(p, 250, MONSTER_SCOPE_THREAD), 0);
	for (i = 0; i < 3; i++) {
		ut_make_record(&s, i);
		CHECK_RET(lmonster_producer_push(p, 0, &s), 0);
		CHECK_RET(lmonster_producer_sweep(p), 0);
	}
	CHECK_RET(lmonster_get_config(h, &cfg), 0);
	CHECK(cfg.rate_hz == 250 && cfg.scope == MONSTER_SCOPE_THREAD, "config not updated");
	CHECK_RET(lmonster_stats(h, &st), 0);
	CHECK(st.sweeps == 3 && st.rate_hz == 250 && !st.running && st.tasks_sampled == 3 &&
	      st.ring[0].fill == 3 && st.ring[0].slots == 128 && st.ring[14].prime == 71,
	      "emulated stats: sweeps %llu fill %llu", (unsigned long long)st.sweeps,
	      (unsigned long long)st.ring[0].fill);
	CHECK_RET(lmonster_fd(h), -EOPNOTSUPP);
	CHECK(strstr(lmonster_strerror(-EOPNOTSUPP), "file-backed"), "message");
	/* a control handle maps nothing it could consume */
	CHECK_RET(lmonster_open_fd(lmonster_producer_fd(p), LMONSTER_OPEN_CONTROL, &c), 0);
	CHECK(lmonster_flags(c) == (int)(LMONSTER_F_FILE | LMONSTER_OPEN_CONTROL), "control flags");
	CHECK_RET(lmonster_ring_peek(c, 0, &recs, &n), -EBADFD);
	CHECK_RET(lmonster_ring_release(c, 0, 0), -EBADFD);
	CHECK_RET(lmonster_claim(c, 1), -EBADFD);
	CHECK_RET(lmonster_wait(c, 0), -EBADFD);
	CHECK_RET(lmonster_for_each(c, nop_cb, NULL, 0), -EBADFD);
	CHECK_RET(lmonster_stats(c, &st), 0);
	CHECK(st.ring[0].fill == 3, "control stats");
	PASSED("start/stop/reset/set_config: -EOPNOTSUPP; config and stats emulated; control handle: -EBADFD");
out:
	lmonster_close(c);
	lmonster_close(h);
	lmonster_producer_close(p);
}

static void test_err_producer(void)
{
	struct lmonster_producer *p = NULL, *q = NULL;
	struct lmonster *h = NULL, *h2 = NULL;
	const struct monster_sample *recs;
	struct monster_info info;
	struct monster_sample s;
	char path[160];
	unsigned int n;
	struct stat st;

	snprintf(path, sizeof(path), "%s", th_path("prod"));
	CHECK_RET(lmonster_producer_create(NULL, 100, 0, &p), -EINVAL);
	CHECK_RET(lmonster_producer_create(NULL, 32, 0, &p), -EINVAL);
	CHECK_RET(lmonster_producer_create(NULL, MONSTER_SLOTS_MAX * 2, 0, &p), -EINVAL);
	CHECK_RET(lmonster_producer_create(NULL, 64, 0x10, &p), -EINVAL);
	CHECK_RET(lmonster_producer_create("/nonexistent/dir/set", 64, 0, &p), -ENOENT);
	CHECK(p == NULL, "*out set on failure");
	CHECK_RET(lmonster_producer_create(NULL, 0, 0, &p), 0);
	CHECK_RET(lmonster_open_fd(lmonster_producer_fd(p), 0, &h), 0);
	CHECK_RET(lmonster_info(h, &info), 0);
	CHECK(info.ring_slots == MONSTER_SLOTS_DEFAULT, "default slots %u", info.ring_slots);
	/* a memfd is sealed: no one can shrink it under a reader */
	CHECK(ftruncate(lmonster_producer_fd(p), 4096) < 0 && errno == EPERM, "memfd not sealed");
	lmonster_close(h);
	h = NULL;
	lmonster_producer_close(p);
	p = NULL;

	CHECK_RET(lmonster_producer_create(path, 64, 0, &p), 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "file mode %o", st.st_mode & 0777);
	CHECK_RET(lmonster_producer_create(path, 64, 0, &q), -EEXIST);
	ut_make_record(&s, 7);
	CHECK_RET(lmonster_producer_push(p, 0, &s), 0);
	CHECK_RET(lmonster_open(path, 0, &h), 0);
	/* replacing: the old reader keeps the old set, a new one sees the new */
	CHECK_RET(lmonster_producer_create(path, 128, LMONSTER_CREATE_REPLACE, &q), 0);
	CHECK_RET(lmonster_open(path, 0, &h2), 0);
	CHECK_RET(lmonster_ring_peek(h, 0, &recs, &n), 0);
	CHECK(n == 1 && recs[0].rbx == 7, "old reader lost its records");
	CHECK_RET(lmonster_ring_peek(h2, 0, &recs, &n), 0);
	CHECK_RET(lmonster_info(h2, &info), 0);
	CHECK(n == 0 && info.ring_slots == 128, "new reader sees %u records, %u slots", n,
	      info.ring_slots);
	CHECK(lmonster_flags(h2) == (int)LMONSTER_F_FILE, "flags");
	PASSED("bad slots/flags: -EINVAL; existing path: -EEXIST; REPLACE keeps old readers whole; "
	       "memfd sealed; file 0600");
out:
	lmonster_close(h);
	lmonster_close(h2);
	lmonster_producer_close(p);
	lmonster_producer_close(q);
	unlink(path);
}

static void test_err_open_fd(void)
{
	struct lmonster *h = NULL;
	int fds = th_count_fds(), fd;

	CHECK_RET(lmonster_open_fd(-1, 0, &h), -EBADF);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "open");
	close(fd);
	CHECK_RET(lmonster_open_fd(fd, 0, &h), -EBADF);	/* closed by now */
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	CHECK_RET(lmonster_open_fd(fd, 0, &h), -ENODEV);
	close(fd);
	CHECK(th_count_fds() == fds, "descriptor leaked");
	PASSED("bad or closed fd: -EBADF; a foreign fd: -ENODEV");
out:;
}

static void test_err_strerror(void)
{
	const int codes[] = { ENOENT, EACCES, EPERM, EPROTO, ENODEV, EBADMSG, EBUSY, EINVAL, ENOTTY,
			      EOPNOTSUPP, EBADFD, ETIMEDOUT, EINTR, ENOBUFS, EEXIST, ENOMEM, EFAULT };
	size_t i, j;
	char copy[sizeof(codes) / sizeof(codes[0])][300];

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *m = lmonster_strerror(-codes[i]);

		CHECK(m && strlen(m) > 5, "no message for %d", codes[i]);
		snprintf(copy[i], sizeof(copy[i]), "%s", m);
		for (j = 0; j < i; j++)
			CHECK(strcmp(copy[i], copy[j]) || (codes[i] == EPERM && codes[j] == EACCES),
			      "%d and %d share a message", codes[i], codes[j]);
	}
	CHECK(!strcmp(lmonster_strerror(0), "success"), "0");
	CHECK(strstr(lmonster_strerror(-4242), "4242"), "unknown: %s", lmonster_strerror(-4242));
	CHECK(strstr(lmonster_strerror(-EBUSY), "stopped"), "EBUSY: %s", lmonster_strerror(-EBUSY));
	PASSED("%zu codes have distinct messages; unknown codes are named", i);
out:;
}

struct logcap {
	int calls, level;
	char msg[512];
};

static void log_cb(int level, const char *msg, void *arg)
{
	struct logcap *c = arg;

	c->calls++;
	c->level = level;
	snprintf(c->msg, sizeof(c->msg), "%s", msg);
}

static void test_err_log(void)
{
	struct lmonster *h = NULL;
	struct logcap cap;
	int calls;

	memset(&cap, 0, sizeof(cap));
	lmonster_set_log(log_cb, &cap);
	CHECK_RET(lmonster_open("/nonexistent/monster-log", 0, &h), -ENOENT);
	CHECK(cap.calls == 1 && cap.level == LMONSTER_LOG_ERR &&
	      strstr(cap.msg, "/nonexistent/monster-log"), "log: %d calls, \"%s\"", cap.calls, cap.msg);
	lmonster_set_log(NULL, NULL);
	calls = cap.calls;
	CHECK_RET(lmonster_open("/nonexistent/monster-log", 0, &h), -ENOENT);
	CHECK(cap.calls == calls, "logged after the callback was removed");
	PASSED("the log callback gets the detail (\"%s\"); silent without one", cap.msg);
out:
	lmonster_set_log(NULL, NULL);
}

/* Every failing open, many times: descriptors and mappings stay level. */
static void test_err_no_leaks(void)
{
	struct lmonster *h = NULL;
	char path[160];
	uint32_t old;
	int fds, maps, i;

	snprintf(path, sizeof(path), "%s", th_path("leak"));
	CHECK_RET(make_set(path, 64), 0);
	/* the shared header's magic: open fails after mapping everything */
	CHECK(pwrite_u32(path, (off_t)(2 * sysconf(_SC_PAGESIZE)), 0, &old) == 0, "patch magic");
	fds = th_count_fds();
	maps = th_count_maps();
	for (i = 0; i < 200; i++) {
		CHECK_RET(lmonster_open(path, 0, &h), -EBADMSG);
		CHECK_RET(lmonster_open("/dev/null", 0, &h), -ENODEV);
		CHECK_RET(lmonster_open("/nonexistent", 0, &h), -ENOENT);
	}
	CHECK(th_count_fds() == fds && th_count_maps() == maps, "fds %d -> %d, maps %d -> %d", fds,
	      th_count_fds(), maps, th_count_maps());
	PASSED("600 failed opens (one failing after mapping): no descriptor or mapping left");
out:
	unlink(path);
}

const struct th_test error_tests[] = {
	{ "err_enoent", test_err_enoent },
	{ "err_not_monster", test_err_not_monster },
	{ "err_eacces", test_err_eacces },
	{ "err_abi_mismatch", test_err_abi_mismatch },
	{ "err_corrupt", test_err_corrupt },
	{ "err_bad_args", test_err_bad_args },
	{ "err_second_consumer", test_err_second_consumer },
	{ "err_file_control", test_err_file_control },
	{ "err_producer", test_err_producer },
	{ "err_open_fd", test_err_open_fd },
	{ "err_strerror", test_err_strerror },
	{ "err_log", test_err_log },
	{ "err_no_leaks", test_err_no_leaks },
	{ NULL, NULL },
};
