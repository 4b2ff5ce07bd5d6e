// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * open.c - open the device or a ring-set file, check the ABI, validate the
 * layout it reports and map it: tails read-write, everything else read-only.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lm_internal.h"

/* [off, off + size) is a page-aligned, non-empty part of [0, map_size). */
static int lm_region_ok(__u64 off, __u64 size, __u64 map_size, __u64 page)
{
	return size && off % page == 0 && off <= map_size && size <= map_size - off;
}

static int lm_overlap(__u64 a, __u64 alen, __u64 b, __u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* The layout must add up before anything is mapped or indexed with it. */
static int lm_check_info(const struct monster_info *in, const char *name)
{
	__u64 page = (__u64)sysconf(_SC_PAGESIZE);
	unsigned int i;

	if (in->nr_rings != MONSTER_NR_RINGS || in->record_size != sizeof(struct monster_sample))
		return lm_err(-EBADMSG, "%s: %u rings of %u-byte records, expected %u of %zu",
			      name, in->nr_rings, in->record_size, MONSTER_NR_RINGS,
			      sizeof(struct monster_sample));
	if (!monster_slots_valid(in->ring_slots))
		return lm_err(-EBADMSG, "%s: ring_slots %u is not a power of two in %u..%u",
			      name, in->ring_slots, MONSTER_SLOTS_MIN, MONSTER_SLOTS_MAX);
	if (in->page_size != page)
		return lm_err(-EBADMSG, "%s: page size %u, this process has %llu", name,
			      in->page_size, (unsigned long long)page);
	if (in->map_size > (__u64)SIZE_MAX ||
	    !lm_region_ok(in->tails_offset, in->tails_size, in->map_size, page) ||
	    !lm_region_ok(in->headers_offset, in->headers_size, in->map_size, page) ||
	    !lm_region_ok(in->data_offset, in->data_size, in->map_size, page) ||
	    in->tails_size < MONSTER_NR_RINGS * sizeof(struct monster_ring_tail) ||
	    in->headers_size < sizeof(struct monster_headers) ||
	    in->ring_bytes != (__u64)in->ring_slots * in->record_size ||
	    in->data_size < MONSTER_NR_RINGS * in->ring_bytes ||
	    lm_overlap(in->tails_offset, in->tails_size, in->headers_offset, in->headers_size) ||
	    lm_overlap(in->tails_offset, in->tails_size, in->data_offset, in->data_size) ||
	    lm_overlap(in->headers_offset, in->headers_size, in->data_offset, in->data_size))
		return lm_err(-EBADMSG, "%s: regions do not fit the %llu-byte mapping", name,
			      (unsigned long long)in->map_size);
	for (i = 0; i < MONSTER_NR_RINGS; i++)
		if (in->primes[i] != monster_prime(i))
			return lm_err(-EBADMSG, "%s: ring %u has prime %u, expected %u", name, i,
				      in->primes[i], monster_prime(i));
	return 0;
}

/* The mapped headers must agree with the info they were described by. */
static int lm_check_headers(const struct lmonster *h, const char *name)
{
	const struct monster_shared_header *sh = &h->hdrs->shared;
	const struct monster_info *in = &h->info;
	unsigned int i;

	if (sh->magic != MONSTER_MAGIC || sh->abi_major != in->abi_major ||
	    sh->abi_minor != in->abi_minor || sh->nr_rings != in->nr_rings ||
	    sh->record_size != in->record_size || sh->ring_slots != in->ring_slots)
		return lm_err(-EBADMSG, "%s: shared header (magic %#x, ABI %u.%u, %u x %u slots) "
			      "does not match the layout", name, sh->magic, sh->abi_major,
			      sh->abi_minor, sh->nr_rings, sh->ring_slots);
	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		const struct monster_ring_header *rh = &h->hdrs->ring[i];

		if (rh->prime != monster_prime(i) || rh->index != i ||
		    rh->slots != in->ring_slots || rh->record_size != in->record_size ||
		    rh->data_offset != monster_ring_data_offset(in, i))
			return lm_err(-EBADMSG, "%s: ring %u header does not match the layout",
				      name, i);
	}
	return 0;
}

static void *lm_mmap(int fd, __u64 off, __u64 len, int prot, const char *name, int *err)
{
	void *p = mmap(NULL, (size_t)len, prot, MAP_SHARED, fd, (off_t)off);

	if (p == MAP_FAILED) {
		*err = lm_err(-errno, "%s: mmap of %llu bytes at %llu failed: %s", name,
			      (unsigned long long)len, (unsigned long long)off, strerror(errno));
		return NULL;
	}
	return p;
}

static int lm_map(struct lmonster *h, const char *name)
{
	const struct monster_info *in = &h->info;
	__u64 lo, hi, hdr_end = in->headers_offset + in->headers_size;
	__u64 data_end = in->data_offset + in->data_size;
	int ret = 0;

	if (lm_is_file(h)) {
		/* page 0: the file header, writable for the wake-up words */
		h->fh_len = in->page_size;
		h->fh = lm_mmap(h->fd, 0, h->fh_len, PROT_READ | PROT_WRITE, name, &ret);
		if (!h->fh)
			return ret;
	} else if (h->flags & LMONSTER_OPEN_CONTROL) {
		return 0;	/* mapping would pin the ring size (SET_CONFIG -EBUSY) */
	}

	h->tails_len = in->tails_size;
	h->tails = lm_mmap(h->fd, in->tails_offset, in->tails_size, PROT_READ | PROT_WRITE,
			   name, &ret);
	if (!h->tails)
		return ret;

	/* one read-only mapping for headers and data where the tails are not between */
	lo = in->headers_offset < in->data_offset ? in->headers_offset : in->data_offset;
	hi = hdr_end > data_end ? hdr_end : data_end;
	if (!lm_overlap(lo, hi - lo, in->tails_offset, in->tails_size)) {
		h->ro_len = hi - lo;
		h->ro_map = lm_mmap(h->fd, lo, h->ro_len, PROT_READ, name, &ret);
		if (!h->ro_map)
			return ret;
		h->hdrs = (const void *)((const char *)h->ro_map + (in->headers_offset - lo));
		h->data = (const unsigned char *)h->ro_map + (in->data_offset - lo);
	} else {
		h->ro_len = in->headers_size;
		h->ro_map = lm_mmap(h->fd, in->headers_offset, h->ro_len, PROT_READ, name, &ret);
		if (!h->ro_map)
			return ret;
		h->data_len = in->data_size;
		h->data_map = lm_mmap(h->fd, in->data_offset, h->data_len, PROT_READ, name, &ret);
		if (!h->data_map)
			return ret;
		h->hdrs = h->ro_map;
		h->data = h->data_map;
	}
	ret = lm_check_headers(h, name);
	if (ret)
		return ret;
	lm_init_rings(h);
	return 0;
}

/* Takes ownership of fd: on failure it is closed. */
static int lm_open_owned(int fd, unsigned int flags, int want_file, const char *name,
			 struct lmonster **out)
{
	struct lmonster *h;
	struct stat st;
	int ret;

	if (fstat(fd, &st)) {
		ret = lm_err(-errno, "%s: fstat: %s", name, strerror(errno));
		close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode) && !(S_ISCHR(st.st_mode) && !want_file)) {
		close(fd);
		return lm_err(-ENODEV, "%s: not a %s", name,
			      want_file ? "regular file" : "character device or regular file");
	}

	h = lm_handle_alloc(fd, flags | (S_ISREG(st.st_mode) ? LMONSTER_F_FILE : 0));
	if (!h) {
		close(fd);
		return -ENOMEM;
	}

	if (lm_is_file(h)) {
		ret = lm_file_read_header(fd, name, &h->info);
		if (!ret && st.st_size >= 0 && (__u64)st.st_size < h->info.map_size)
			ret = lm_err(-EBADMSG, "%s: truncated: %lld bytes, the layout needs %llu",
				     name, (long long)st.st_size,
				     (unsigned long long)h->info.map_size);
	} else if (ioctl(fd, MONSTER_IOC_GET_INFO, &h->info)) {
		ret = -errno;
		/* another driver's device answers an unknown ioctl like this */
		if (ret == -ENOTTY || ret == -EINVAL)
			ret = lm_err(-ENODEV, "%s: not a monster device (GET_INFO: %s)", name,
				     strerror(-ret));
		else
			lm_err(ret, "%s: GET_INFO: %s", name, strerror(-ret));
	} else {
		ret = 0;
	}
	if (!ret)
		ret = lm_abi_check(&h->info, name);
	if (!ret)
		ret = lm_check_info(&h->info, name);
	if (!ret)
		ret = lm_map(h, name);
	if (ret) {
		lmonster_close(h);
		return ret;
	}
	*out = h;
	return 0;
}

static int lm_open_path(const char *path, unsigned int flags, int want_file,
			struct lmonster **out)
{
	struct stat st;
	int fd;

	if (!out)
		return -EINVAL;
	*out = NULL;
	lm_note_clear();
	if (flags & ~LM_OPEN_VALID)
		return lm_err(-EINVAL, "open: unknown flags %#x", flags & ~LM_OPEN_VALID);
	if (!path)
		path = MONSTER_DEVICE_PATH;
	/* look before opening: open() of an arbitrary node can have side effects */
	if (stat(path, &st))
		return lm_err(-errno, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode) && !(S_ISCHR(st.st_mode) && !want_file))
		return lm_err(-ENODEV, "%s: not a %s", path,
			      want_file ? "regular file" : "character device or regular file");
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
	/* control needs no writable mapping: a read-only grant is enough */
	if (fd < 0 && errno == EACCES && (flags & LMONSTER_OPEN_CONTROL) && S_ISCHR(st.st_mode))
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return lm_err(-errno, "%s: %s", path, strerror(errno));
	return lm_open_owned(fd, flags, want_file, path, out);
}

LMONSTER_API int lmonster_open(const char *path, unsigned int flags, struct lmonster **out)
{
	return lm_open_path(path, flags, 0, out);
}

LMONSTER_API int lmonster_open_file(const char *path, unsigned int flags, struct lmonster **out)
{
	if (!path) {
		if (out)
			*out = NULL;
		return -EINVAL;
	}
	return lm_open_path(path, flags, 1, out);
}

LMONSTER_API int lmonster_open_fd(int fd, unsigned int flags, struct lmonster **out)
{
	char proc[32];
	int nfd;

	if (!out)
		return -EINVAL;
	*out = NULL;
	lm_note_clear();
	if (flags & ~LM_OPEN_VALID)
		return lm_err(-EINVAL, "open: unknown flags %#x", flags & ~LM_OPEN_VALID);
	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		return lm_err(-EBADF, "open_fd: %d is not an open file descriptor", fd);
	nfd = lm_reopen(fd, proc, sizeof(proc));
	if (nfd < 0)
		return nfd;
	return lm_open_owned(nfd, flags, 0, proc, out);
}
