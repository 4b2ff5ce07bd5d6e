// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * wait.c - sleep until records are ready: poll(2) on the device, a futex
 * in the file header for a file-backed ring set (poll on a regular file
 * always says readable).
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lm_internal.h"

static long long lm_now_ms(void)
{
	return (long long)(lm_now_ns() / 1000000);
}

/* Shared (not PRIVATE) futex: producer and consumer may be other processes. */
static int lm_futex_wait(__u32 *word, __u32 val, int timeout_ms)
{
	struct timespec ts, *tp = NULL;

	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tp = &ts;
	}
	if (syscall(SYS_futex, word, FUTEX_WAIT, val, tp, NULL, 0) == 0)
		return 0;
	return -errno;
}

static int lm_wait_file(struct lmonster *h, int left_ms)
{
	struct lmonster_file_header *fh = h->fh;
	__u32 seq;
	int ret = 0;

	/* announce ourselves before the last look, so the producer sees us
	 * or we see its record (both sides seq_cst) */
	__atomic_add_fetch(&fh->waiters, 1, __ATOMIC_SEQ_CST);
	seq = __atomic_load_n(&fh->wake_seq, __ATOMIC_SEQ_CST);
	if (!lm_any_ready(h))
		ret = lm_futex_wait(&fh->wake_seq, seq, left_ms);
	__atomic_sub_fetch(&fh->waiters, 1, __ATOMIC_SEQ_CST);
	/* woken, value already changed, or timed out: the caller looks again */
	if (ret == -EAGAIN || ret == -ETIMEDOUT)
		return 0;
	return ret;
}

static int lm_wait_device(struct lmonster *h, int left_ms)
{
	struct pollfd pfd = { .fd = h->fd, .events = POLLIN };
	struct timespec nap;
	int n = poll(&pfd, 1, left_ms);

	if (n < 0)
		return -errno;
	if (n == 0 || lm_any_ready(h))
		return 0;
	if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))
		return lm_err(-EIO, "poll: device reported error (revents %#x)", pfd.revents);
	/*
	 * POLLIN means some ring has records, maybe only rings another
	 * consumer owns: nap instead of spinning on a level-triggered fd.
	 */
	nap.tv_sec = 0;
	nap.tv_nsec = (left_ms >= 0 && left_ms < 1) ? 0 : 1000000;
	if (nanosleep(&nap, NULL))
		return -errno;
	return 0;
}

LMONSTER_API int lmonster_wait(struct lmonster *h, int timeout_ms)
{
	long long deadline = -1;
	int ret;

	if (!h)
		return -EINVAL;
	if ((h->flags & LMONSTER_OPEN_CONTROL) || !lm_mapped(h))
		return -EBADFD;
	if (timeout_ms >= 0)
		deadline = lm_now_ms() + timeout_ms;
	for (;;) {
		int left = -1;

		if (lm_any_ready(h))
			return 0;
		if (deadline >= 0) {
			long long l = deadline - lm_now_ms();

			if (l <= 0)
				return -ETIMEDOUT;
			left = l > INT_MAX ? INT_MAX : (int)l;
		}
		ret = lm_is_file(h) ? lm_wait_file(h, left) : lm_wait_device(h, left);
		if (ret)
			return ret;
	}
}

LMONSTER_API int lmonster_fd(const struct lmonster *h)
{
	if (!h)
		return -EINVAL;
	if (lm_is_file(h)) {
		lm_note_clear();	/* the generic message says why */
		return -EOPNOTSUPP;
	}
	return h->fd;
}
