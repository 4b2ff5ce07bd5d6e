// SPDX-License-Identifier: GPL-2.0
/*
 * harness.c - result lines, tables of tests, the seeded generator and the
 * clock shared by every test program; see harness.h.
 */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the program ---------------------------------------------------------------------- */

static const char *g_prog = "test";
static char g_kebab[64] = "test";	/* g_prog with '-' for '_' */
static pid_t g_self;
static int g_pass, g_fail, g_skip;

/* the names used so far, each once */
#define TH_MAX_NAMES 1024
static char *g_names[TH_MAX_NAMES];
static int g_nnames;

/* tables of tests: the tag, the current test and its verdict, the temporary directory */
static const char *g_tag;
static char g_test[160];
static bool g_test_failed, g_test_passed;
static char g_tmpdir[64];

void th_begin(const char *prog)
{
	size_t i;

	g_prog = prog;
	for (i = 0; prog[i] && i + 1 < sizeof(g_kebab); i++)
		g_kebab[i] = prog[i] == '_' ? '-' : prog[i];
	g_kebab[i] = 0;
	g_self = getpid();
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static int th_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) ? -1 : 0;
}

int th_end(void)
{
	if (g_tmpdir[0] && nftw(g_tmpdir, th_rm_entry, 16, FTW_DEPTH | FTW_PHYS))
		th_note("%s: could not remove %s: %s", g_prog, g_tmpdir, strerror(errno));
	g_tmpdir[0] = 0;
	/* run-unit.sh and gpu/run-tests.sh read the test tables' summary on stderr */
	if (g_tag)
		fprintf(stderr, "%s(%s): %d passed, %d failed\n", g_prog, g_tag, g_pass, g_fail);
	else
		th_note("%s: %d passed, %d failed, %d skipped", g_prog, g_pass, g_fail, g_skip);
	fflush(stdout);
	return g_fail ? 1 : 0;
}

int th_failures(void)
{
	return g_fail;
}

const char *th_own_name(const char *what, char *buf, size_t len)
{
	snprintf(buf, len, "%s-%s", g_kebab, what);
	return buf;
}

/* ---- named checks --------------------------------------------------------------------- */

static void th_flatten(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

static bool th_name_seen(const char *name)
{
	int i;

	for (i = 0; i < g_nnames; i++)
		if (strcmp(g_names[i], name) == 0)
			return true;
	if (g_nnames < TH_MAX_NAMES)
		g_names[g_nnames++] = strdup(name);
	return false;
}

/* One result line; the duplicate check first, so a reused name is a FAIL of its own. */
static void th_emit(const char *verdict, const char *name, const char *fmt, va_list ap)
{
	char *detail;

	if (vasprintf(&detail, fmt, ap) < 0)
		detail = NULL;
	else
		th_flatten(detail);
	if (th_name_seen(name)) {
		printf("FAIL %s-duplicate-name: the check name %s is used twice\n", g_kebab, name);
		g_fail++;
	}
	printf("%s %s: %s\n", verdict, name, detail ? detail : "(no memory for the detail)");
	fflush(stdout);
	free(detail);
}

enum th_verdict { TH_PASS, TH_FAIL, TH_SKIP };

static void th_vreport(enum th_verdict v, const char *name, const char *fmt, va_list ap)
{
	static const char *const words[] = { "PASS", "FAIL", "SKIP" };
	int *const counts[] = { &g_pass, &g_fail, &g_skip };

	th_emit(words[v], name, fmt, ap);
	(*counts[v])++;
}

void th_pass(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	th_vreport(TH_PASS, name, fmt, ap);
	va_end(ap);
}

void th_vfail(const char *name, const char *fmt, va_list ap)
{
	th_vreport(TH_FAIL, name, fmt, ap);
}

void th_fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	th_vfail(name, fmt, ap);
	va_end(ap);
}

void th_skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	th_vreport(TH_SKIP, name, fmt, ap);
	va_end(ap);
}

bool th_check(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	th_vreport(ok ? TH_PASS : TH_FAIL, name, fmt, ap);
	va_end(ap);
	return ok;
}

void th_note(const char *fmt, ...)
{
	char *line;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (line)
		th_flatten(line);
	printf("# %s\n", line ? line : "(no memory for the note)");
	fflush(stdout);
	free(line);
}

/* ---- tables of tests ------------------------------------------------------------------ */

int th_begin_tests(const char *prog)
{
	const char *tag = getenv("UNIT_TAG");
	char name[96];

	th_begin(prog);
	g_tag = tag && *tag ? tag : "native";
	snprintf(g_tmpdir, sizeof(g_tmpdir), "/tmp/monster-%s.XXXXXX", prog);
	if (!mkdtemp(g_tmpdir)) {
		g_tmpdir[0] = 0;
		snprintf(name, sizeof(name), "%s/setup", g_tag);
		th_fail(name, "mkdtemp: %s", strerror(errno));
		return 1;
	}
	return 0;
}

void th_test_begin(const char *name)
{
	snprintf(g_test, sizeof(g_test), "%s/%s", g_tag ? g_tag : "native", name);
	g_test_failed = false;
	g_test_passed = false;
}

/* The first failure of a test is its verdict, even after a PASS. */
void th_test_fail(const char *file, int line, const char *fmt, ...)
{
	const char *base = strrchr(file, '/');
	char *msg;
	va_list ap;

	if (g_test_failed)
		return;
	g_test_failed = true;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	th_fail(g_test, "%s:%d: %s", base ? base + 1 : file, line, msg ? msg : fmt);
	free(msg);
}

/* A test's first PASS or SKIP is its verdict, unless it failed. */
static void th_test_verdict(enum th_verdict v, const char *fmt, va_list ap)
{
	if (g_test_failed || g_test_passed)
		return;
	g_test_passed = true;
	th_vreport(v, g_test, fmt, ap);
}

void th_test_pass(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	th_test_verdict(TH_PASS, fmt, ap);
	va_end(ap);
}

void th_test_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	th_test_verdict(TH_SKIP, fmt, ap);
	va_end(ap);
}

static bool th_selected(const char *name, int nsel, char *const *sel)
{
	int i;

	if (nsel <= 0)
		return true;
	for (i = 0; i < nsel; i++)
		if (strstr(name, sel[i]))
			return true;
	return false;
}

void th_run(const struct th_test *tests, int nsel, char *const *sel)
{
	const struct th_test *t;

	for (t = tests; t->name; t++) {
		if (!th_selected(t->name, nsel, sel))
			continue;
		th_test_begin(t->name);
		t->fn();
		if (getpid() != g_self)		/* a forked child that fell through */
			_exit(111);
		if (!g_test_failed && !g_test_passed)
			th_test_fail(__FILE__, __LINE__, "test ended without a verdict");
	}
}

unsigned long th_scale(unsigned long native)
{
	const char *s = getenv("UNIT_SCALE");
	unsigned long div = s ? strtoul(s, NULL, 10) : 1;

	return div > 1 ? native / div : native;
}

long th_count_numbered(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	long n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] >= '0' && e->d_name[0] <= '9';
	closedir(d);
	return n;
}

int th_count_fds(void)
{
	return (int)th_count_numbered("/proc/self/fd");
}

int th_count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int c, n = 0;

	if (!f)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

const char *th_path(const char *base)
{
	static __thread char buf[160];
	static unsigned int seq;

	snprintf(buf, sizeof(buf), "%s/%s.%u", g_tmpdir, base,
		 __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	return buf;
}

/* ---- random numbers ------------------------------------------------------------------- */

#define TH_GOLDEN 0x9e3779b97f4a7c15ULL

uint64_t th_mix(uint64_t x)
{
	x += TH_GOLDEN;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t th_seed(void)
{
	static uint64_t seed;
	static bool have;
	const char *s;

	if (have)
		return seed;
	s = getenv("MONSTER_SEED");
	seed = s ? strtoull(s, NULL, 0) : th_now_ns() ^ ((uint64_t)getpid() << 32);
	have = true;
	th_note("random seed %" PRIu64 " (MONSTER_SEED=%" PRIu64 " repeats this run)", seed, seed);
	return seed;
}

void th_rng_init(struct th_rng *r, uint64_t seed, uint64_t stream)
{
	r->s = th_mix(seed ^ th_mix(stream));
}

uint64_t th_rand(struct th_rng *r)
{
	uint64_t x = r->s;

	r->s += TH_GOLDEN;
	return th_mix(x);
}

uint64_t th_below(struct th_rng *r, uint64_t n)
{
	return n ? th_rand(r) % n : 0;
}

/* ---- time ----------------------------------------------------------------------------- */

uint64_t th_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t th_now_ns(void)
{
	return th_clock_ns(CLOCK_MONOTONIC);
}

void th_sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ULL),
		.tv_nsec = (long)(ns % 1000000000ULL),
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void th_sleep_ms(unsigned int ms)
{
	th_sleep_ns((uint64_t)ms * 1000000ULL);
}

int th_wait_child(pid_t pid, unsigned int timeout_ms, int *status)
{
	uint64_t end = th_now_ns() + (uint64_t)timeout_ms * 1000000ULL;

	for (;;) {
		pid_t w = waitpid(pid, status, WNOHANG);

		if (w == pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (th_now_ns() > end) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return -ETIMEDOUT;
		}
		th_sleep_ms(5);
	}
}
