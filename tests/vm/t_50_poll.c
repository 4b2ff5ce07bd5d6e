// SPDX-License-Identifier: GPL-2.0
/*
 * t_50_poll - poll()/epoll wake a consumer that has caught up when the next
 * sweep publishes records, report records pending at once, and time out when
 * the sampler is stopped and the rings are drained. A poller blocked on a
 * stopped device wakes when another thread starts the sampler.
 */
#include "vmtest.h"

#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <unistd.h>

#define RATE 100
#define PERIOD_MS (1000 / RATE)
/* two sweep periods, plus slack for software emulation */
#define WAKE_LIMIT_MS (2 * PERIOD_MS + 100)

static struct vt_dev d;

static uint64_t pending(void)
{
	uint64_t n = 0;
	unsigned int r;

	for (r = 0; r < MONSTER_NR_RINGS; r++)
		n += vt_head(&d, r) - d.ctail[r];
	return n;
}

/* drain, then wait with poll (or epoll); elapsed ms and records pending after */
static void wait_once(int epfd, int *rc, uint64_t *ms, uint64_t *ready, short *revents,
		      int64_t *after_end)
{
	uint64_t t0, t1;

	vt_drain(&d);
	t0 = th_now_ns();
	if (epfd < 0) {
		struct pollfd p = { .fd = d.fd, .events = POLLIN };

		*rc = poll(&p, 1, 2000);
		*revents = p.revents;
	} else {
		struct epoll_event ev;

		*rc = epoll_wait(epfd, &ev, 1, 2000);
		*revents = *rc == 1 ? (short)ev.events : 0;
	}
	t1 = th_now_ns();
	*ms = (t1 - t0) / 1000000ULL;
	/* how long after the end of the sweep that published the records */
	*after_end = (int64_t)(t1 - __atomic_load_n(&d.hdr->shared.sweep_end_ns, __ATOMIC_ACQUIRE));
	*ready = pending();
}

static void check_wakeups(int epfd, const char *name)
{
	uint64_t worst = 0, ms, ready, none_ready = 0, late = 0, fails = 0;
	int64_t after_end, worst_after = INT64_MIN, best_after = INT64_MAX;
	short revents;
	int i, rc;

	for (i = 0; i < 10; i++) {
		wait_once(epfd, &rc, &ms, &ready, &revents, &after_end);
		if (after_end > worst_after)
			worst_after = after_end;
		if (after_end < best_after)
			best_after = after_end;
		if (rc != 1 || !(revents & POLLIN))
			fails++;
		else if (ready == 0)
			none_ready++;
		if (ms > WAKE_LIMIT_MS)
			late++;
		if (ms > worst)
			worst = ms;
	}
	th_check(fails == 0 && none_ready == 0 && late == 0 && best_after >= 0 &&
		 worst_after <= (int64_t)WAKE_LIMIT_MS * 1000000, name,
		 "10 waits from a drained ring set at %d Hz: %" PRIu64 " did not report POLLIN, %" PRIu64
		 " woke with nothing ready, %" PRIu64 " took longer than %d ms (worst %" PRIu64
		 " ms); woke %.3f..%.3f ms after the header's sweep_end_ns", RATE, fails, none_ready,
		 late, WAKE_LIMIT_MS, worst, best_after / 1e6, worst_after / 1e6);
}

static void *starter(void *arg)
{
	(void)arg;
	th_sleep_ms(150);
	vt_start(d.fd);
	return NULL;
}

int main(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct pollfd p;
	uint64_t t0, ms;
	int epfd, rc;

	vt_begin("t_50_poll");
	vt_open_or_bail(&d, "poll-open");
	vt_stop(d.fd);
	vt_set_rate_scope_or_bail(d.fd, RATE, MONSTER_SCOPE_PROCESS, "poll-config");
	vt_map_or_bail(&d, "poll-map");
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, d.fd, &ev) < 0)
		vt_bail("poll-epoll", "epoll set-up: %s", strerror(errno));

	/* stopped and drained: nothing to wait for */
	vt_drain(&d);
	p = (struct pollfd){ .fd = d.fd, .events = POLLIN };
	t0 = th_now_ns();
	rc = poll(&p, 1, 300);
	ms = (th_now_ns() - t0) / 1000000ULL;
	th_check(rc == 0 && ms >= 290, "poll-timeout-when-stopped",
		 "sampler stopped, rings drained: poll(300 ms) returned %d (revents %#x) after %" PRIu64 " ms",
		 rc, p.revents, ms);
	t0 = th_now_ns();
	rc = epoll_wait(epfd, &ev, 1, 300);
	ms = (th_now_ns() - t0) / 1000000ULL;
	th_check(rc == 0 && ms >= 290, "poll-epoll-timeout-when-stopped",
		 "sampler stopped, rings drained: epoll_wait(300 ms) returned %d after %" PRIu64 " ms", rc,
		 ms);

	/* a poller blocked on a stopped device wakes when the sampler starts */
	{
		pthread_t th;
		uint64_t ready;

		vt_drain(&d);
		p = (struct pollfd){ .fd = d.fd, .events = POLLIN };
		if (pthread_create(&th, NULL, starter, NULL))
			vt_bail("poll-thread", "pthread_create failed");
		t0 = th_now_ns();
		rc = poll(&p, 1, 3000);
		ms = (th_now_ns() - t0) / 1000000ULL;
		ready = pending();
		pthread_join(th, NULL);
		th_check(rc == 1 && (p.revents & POLLIN) && ready > 0 && ms >= 140 &&
			 ms <= 150 + WAKE_LIMIT_MS, "poll-wakes-on-start",
			 "blocked poll() with START from another thread after 150 ms: returned %d (revents %#x) after %"
			 PRIu64 " ms, %" PRIu64 " records ready", rc, p.revents, ms, ready);
	}

	/* running: a caught-up consumer is woken by the next sweep */
	check_wakeups(-1, "poll-wakes-within-two-periods");
	check_wakeups(epfd, "poll-epoll-wakes-within-two-periods");

	/* records pending: ready at once */
	vt_stop(d.fd);
	vt_drain(&d);
	vt_start(d.fd);
	vt_wait_sweeps(d.fd, 2, 3000, NULL, NULL, NULL);
	vt_stop(d.fd);
	{
		uint64_t ready = pending();

		p = (struct pollfd){ .fd = d.fd, .events = POLLIN };
		t0 = th_now_ns();
		rc = poll(&p, 1, 1000);
		ms = (th_now_ns() - t0) / 1000000ULL;
		th_check(ready > 0 && rc == 1 && (p.revents & POLLIN) && ms < 100,
			 "poll-ready-when-pending",
			 "stopped with %" PRIu64 " records unread: poll returned %d (revents %#x) after %" PRIu64
			 " ms", ready, rc, p.revents, ms);
		rc = epoll_wait(epfd, &ev, 1, 1000);
		th_check(rc == 1 && (ev.events & EPOLLIN), "poll-epoll-ready-when-pending",
			 "stopped with records unread: epoll_wait returned %d (events %#x)", rc,
			 rc == 1 ? ev.events : 0);
	}
	/* and drained again: not ready */
	vt_drain(&d);
	p = (struct pollfd){ .fd = d.fd, .events = POLLIN };
	rc = poll(&p, 1, 0);
	th_check(rc == 0, "poll-not-ready-after-drain",
		 "stopped, everything released: poll(0) returned %d (revents %#x)", rc, p.revents);

	close(epfd);
	vt_close(&d);
	return vt_end();
}
