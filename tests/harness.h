/* SPDX-License-Identifier: GPL-2.0 */
/*
 * harness.h - what every test program under tests/ shares (unit, GPU, VM and
 * bench programs link tests/harness.c): result lines with their counters and
 * the exit status, CHECK assertions, one seeded random number generator, one
 * clock.
 *
 * Results are lines on stdout, parsed by check.sh, run-unit.sh,
 * gpu/run-tests.sh and run-vm.sh:
 *
 *   PASS <name>: <detail>     FAIL <name>: <detail>     SKIP <name>: <why>
 *
 * and diagnostics "# <text>", not counted. A detail is one line (newlines
 * become spaces); a name is used once per program. Results come either from
 * named checks (th_pass() ... th_check(), what the VM programs print), or
 * from a table of test functions run by th_run(): each test runs CHECKs and
 * ends with PASSED(); its name is "<tag>/<test>" with the tag from UNIT_TAG
 * (default native), and its first failing CHECK prints
 * "FAIL <tag>/<test>: <file>:<line>: <message>" and jumps to the test's
 * "out:" label, where it frees what it holds.
 *
 * Results are printed from one thread at a time.
 */
#ifndef MONSTER_TEST_HARNESS_H
#define MONSTER_TEST_HARNESS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define TH_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define TH_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* ---- the program ---------------------------------------------------------------------- */

/* Start a program: line-buffered stdout, prog names its summary and its own checks. */
void th_begin(const char *prog);
/* The summary line; removes th_path()'s directory. Returns the exit status: 1 on any FAIL. */
int th_end(void);
int th_failures(void);
/* A check name of the program's own: "<prog, '_' as '-'>-<what>" in buf. */
const char *th_own_name(const char *what, char *buf, size_t len);

/* ---- named checks --------------------------------------------------------------------- */

void th_pass(const char *name, const char *fmt, ...) TH_PRINTF(2, 3);
void th_fail(const char *name, const char *fmt, ...) TH_PRINTF(2, 3);
void th_vfail(const char *name, const char *fmt, va_list ap) TH_PRINTF(2, 0);
void th_skip(const char *name, const char *fmt, ...) TH_PRINTF(2, 3);
/* PASS or FAIL by ok, with the same detail either way; returns ok. */
bool th_check(bool ok, const char *name, const char *fmt, ...) TH_PRINTF(3, 4);
/* A diagnostic line ("# ..."), not counted. */
void th_note(const char *fmt, ...) TH_PRINTF(1, 2);

/* ---- tables of tests ------------------------------------------------------------------ */

struct th_test {
	const char *name;
	void (*fn)(void);
};

/*
 * th_begin() for a program of test tables: the tag from UNIT_TAG, a fresh
 * directory for th_path(). 0, or 1 after "FAIL <tag>/setup: ...".
 */
int th_begin_tests(const char *prog);
/*
 * Run the tests of a table (ended by a NULL name) whose names contain one of
 * sel[0..nsel), all of them when nsel is 0. A test that ends without a
 * verdict fails; a forked child that returns from one exits at once.
 */
void th_run(const struct th_test *tests, int nsel, char *const *sel);
/* The current test, for tests run by hand rather than by th_run(). */
void th_test_begin(const char *name);
void th_test_fail(const char *file, int line, const char *fmt, ...) TH_PRINTF(3, 4);
void th_test_pass(const char *fmt, ...) TH_PRINTF(1, 2);
void th_test_skip(const char *fmt, ...) TH_PRINTF(1, 2);

#define CHECK(cond, ...)                                              \
	do {                                                          \
		if (!(cond)) {                                        \
			th_test_fail(__FILE__, __LINE__, __VA_ARGS__); \
			goto out;                                     \
		}                                                     \
	} while (0)

/* expr returns 0 or -errno: a failure names both and what msg(ret) says of ret */
#define CHECK_RET_MSG(msg, expr, want)                                                  \
	do {                                                                            \
		int th_r_ = (expr);                                                     \
		if (th_r_ != (want)) {                                                  \
			th_test_fail(__FILE__, __LINE__, "%s = %d (%s), expected %d", #expr, \
				     th_r_, msg(th_r_), (want));                        \
			goto out;                                                       \
		}                                                                       \
	} while (0)

#define PASSED(...) th_test_pass(__VA_ARGS__)

/* Scales a count: as given natively, divided by UNIT_SCALE under the sanitizers. */
unsigned long th_scale(unsigned long native);
/* Entries of dir named by a number: processes in /proc, descriptors in /proc/self/fd. */
long th_count_numbered(const char *dir);
/* Open file descriptors and mappings of this process, to catch leaks; -1 on error. */
int th_count_fds(void);
int th_count_maps(void);
/* A fresh path in the program's temporary directory (th_begin_tests() makes it). */
const char *th_path(const char *base);

/* ---- random numbers ------------------------------------------------------------------- */

/* splitmix64's mixer: a well-spread, deterministic value per x. */
uint64_t th_mix(uint64_t x);

/* splitmix64: th_mix() of a counter. */
struct th_rng {
	uint64_t s;
};

/*
 * The program's seed: $MONSTER_SEED when set, else from the clock and pid;
 * the same all run long. The first call prints it, so a run can be repeated.
 */
uint64_t th_seed(void);
/* A generator for stream number stream of seed: each stream its own sequence. */
void th_rng_init(struct th_rng *r, uint64_t seed, uint64_t stream);
uint64_t th_rand(struct th_rng *r);
/* in [0, n) for n > 0 (0 for n == 0) */
uint64_t th_below(struct th_rng *r, uint64_t n);

/* ---- time ----------------------------------------------------------------------------- */

uint64_t th_clock_ns(clockid_t clock);
uint64_t th_now_ns(void);		/* CLOCK_MONOTONIC */
void th_sleep_ns(uint64_t ns);		/* the whole time, signals or not */
void th_sleep_ms(unsigned int ms);
/*
 * Reap child pid within timeout_ms, else SIGKILL and reap it: 0 (*status
 * set), -ETIMEDOUT (killed; *status set) or -errno.
 */
int th_wait_child(pid_t pid, unsigned int timeout_ms, int *status);

#endif /* MONSTER_TEST_HARNESS_H */
