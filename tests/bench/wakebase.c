// SPDX-License-Identifier: GPL-2.0
/*
 * wakebase - what a wake-up between two threads costs on this machine at
 * all: the floor under the sampler's wake-up latency, measured the same
 * way in the same boot. A waker thread sleeps to an absolute deadline at
 * --rate Hz (as the sampler does), notes the time and wakes a waiter
 * blocked in poll() on an eventfd (or in FUTEX_WAIT); the waiter notes when
 * it runs. Per run of --ms milliseconds:
 *
 *   K.wakebase.<eventfd|futex>.p50_us, .p99_us, .max_us, .samples
 *
 *	wakebase --key K [--runs N] [--ms MS] [--rate HZ]
 */
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>

#include "bench.h"

static const char *prog = "wakebase";

struct pair {
	int futex_mode;
	int efd;
	uint32_t word;		/* futex: bumped per wake-up */
	uint64_t woke_at;	/* the waker's clock just before the wake-up */
	volatile int stop;
	unsigned int rate;
};

static void *waker_main(void *arg)
{
	struct pair *p = arg;
	uint64_t period = 1000000000ull / p->rate, one = 1;
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!p->stop) {
		next.tv_nsec += (long)period;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		__atomic_store_n(&p->woke_at, th_now_ns(), __ATOMIC_RELEASE);
		if (p->futex_mode) {
			__atomic_add_fetch(&p->word, 1, __ATOMIC_RELEASE);
			syscall(SYS_futex, &p->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		} else if (write(p->efd, &one, sizeof(one)) != sizeof(one)) {
			break;
		}
	}
	return NULL;
}

/* Block until the next wake-up; 0, or -1 when none came within a second. */
static int wait_one(struct pair *p, uint32_t *seen)
{
	struct timespec sec = { .tv_sec = 1 };
	struct pollfd pfd = { .fd = p->efd, .events = POLLIN };
	uint64_t v;

	if (p->futex_mode) {
		while (__atomic_load_n(&p->word, __ATOMIC_ACQUIRE) == *seen)
			if (syscall(SYS_futex, &p->word, FUTEX_WAIT_PRIVATE, *seen, &sec, NULL, 0) &&
			    errno == ETIMEDOUT)
				return -1;
		*seen = __atomic_load_n(&p->word, __ATOMIC_ACQUIRE);
		return 0;
	}
	if (poll(&pfd, 1, 1000) != 1 || read(p->efd, &v, sizeof(v)) != sizeof(v))
		return -1;
	return 0;
}

static void measure(const char *key, const char *mode, unsigned long runs, unsigned long ms,
		    unsigned int rate)
{
	size_t cap = ms * rate / 1000 + 64;
	double *lat = malloc(cap * sizeof(*lat));
	unsigned long r;

	if (!lat)
		bench_die(prog, "out of memory");
	for (r = 0; r < runs; r++) {
		struct pair p = { .futex_mode = !strcmp(mode, "futex"), .rate = rate };
		uint64_t end = th_now_ns() + ms * 1000000ull;
		uint32_t seen = 0;
		pthread_t th;
		size_t n = 0;

		p.efd = eventfd(0, EFD_CLOEXEC);
		if (p.efd < 0 || pthread_create(&th, NULL, waker_main, &p))
			bench_die(prog, "eventfd or thread: %s", strerror(errno));
		while (th_now_ns() < end && n < cap) {
			uint64_t t;

			if (wait_one(&p, &seen))
				break;
			t = th_now_ns();
			lat[n++] = (double)(t - __atomic_load_n(&p.woke_at, __ATOMIC_ACQUIRE)) / 1e3;
		}
		p.stop = 1;
		pthread_join(th, NULL);
		close(p.efd);
		if (!n)
			bench_die(prog, "%s: no wake-up in %lu ms", mode, ms);
		bench_out(bench_quantile(lat, n, 0.50), "%s.wakebase.%s.p50_us", key, mode);
		bench_out(bench_quantile(lat, n, 0.99), "%s.wakebase.%s.p99_us", key, mode);
		bench_out(bench_quantile(lat, n, 1.0), "%s.wakebase.%s.max_us", key, mode);
		bench_out((double)n, "%s.wakebase.%s.samples", key, mode);
	}
	free(lat);
}

int main(int argc, char **argv)
{
	unsigned long runs = 5, ms = 2000, rate = 100;
	const char *key = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (bench_opt_uint(argc, argv, &i, "--runs", &runs) ||
		    bench_opt_uint(argc, argv, &i, "--ms", &ms) ||
		    bench_opt_uint(argc, argv, &i, "--rate", &rate) ||
		    bench_opt_str(argc, argv, &i, "--key", &key))
			continue;
		bench_die(prog, "unknown argument '%s' (--key K [--runs N] [--ms MS] [--rate HZ])",
			  argv[i]);
	}
	if (!key || !rate || rate > 10000)
		bench_die(prog, "--key K is needed, --rate 1..10000");
	measure(key, "eventfd", runs, ms, (unsigned int)rate);
	measure(key, "futex", runs, ms, (unsigned int)rate);
	return 0;
}
