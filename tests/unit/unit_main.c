// SPDX-License-Identifier: GPL-2.0
/*
 * unit_main.c - runs the native unit tests: `unit [NAME-SUBSTRING...]`.
 * Prints "PASS <tag>/<name>: <detail>" or "FAIL <tag>/<name>: <why>" per
 * test (tag from UNIT_TAG, e.g. native, asan, tsan) and exits 1 on any FAIL.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

static const char *ut_tag = "native";
static const char *ut_name;
static int ut_failed, ut_passed, ut_nfail, ut_npass;
static char ut_tmpdir[64];

void ut_begin(const char *name)
{
	ut_name = name;
	ut_failed = 0;
	ut_passed = 0;
}

void ut_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ut_failed++)
		return;
	printf("FAIL %s/%s: %s:%d: ", ut_tag, ut_name, strrchr(file, '/') ? strrchr(file, '/') + 1 : file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	ut_nfail++;
}

void ut_pass(const char *fmt, ...)
{
	va_list ap;

	if (ut_failed || ut_passed++)
		return;
	printf("PASS %s/%s: ", ut_tag, ut_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	ut_npass++;
}

unsigned long ut_scale(unsigned long native)
{
	const char *s = getenv("UNIT_SCALE");
	unsigned long div = s ? strtoul(s, NULL, 10) : 1;

	return div > 1 ? native / div : native;
}

static int ut_count_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

int ut_count_fds(void)
{
	return ut_count_dir("/proc/self/fd");
}

int ut_count_maps(void)
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

const char *ut_path(const char *base)
{
	static __thread char buf[160];
	static unsigned int seq;

	snprintf(buf, sizeof(buf), "%s/%s.%u", ut_tmpdir, base,
		 __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	return buf;
}

uint64_t ut_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void ut_make_record(struct monster_sample *s, uint64_t id)
{
	memset(s, 0, sizeof(*s));
	s->rip = ut_mix(id * 5 + 1);
	s->rsp = ut_mix(id * 5 + 2);
	s->rax = ut_mix(id * 5 + 3);
	s->mem_bytes = ut_mix(id * 5 + 4) & 0xffffffffffULL;
	s->cpu_time_ns = ut_mix(id * 5 + 5) & 0xffffffffffULL;
	s->rbx = id;
	s->rcx = ut_mix(id);
	s->pid = (uint32_t)(id % 4000000) + 1;
	s->tgid = s->pid;
	snprintf(s->comm, sizeof(s->comm), "t%llu", (unsigned long long)(id % 100000));
}

int ut_record_ok(const struct monster_sample *s)
{
	uint64_t c = monster_sample_combined(s);

	return s->rcx == ut_mix(s->rbx) && s->shard == monster_shard(c) &&
	       s->hecke == monster_hecke(c, s->shard);
}

static void ut_rm_tmpdir(void)
{
	DIR *d = opendir(ut_tmpdir);
	struct dirent *e;
	char p[512];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", ut_tmpdir, e->d_name);
			unlink(p);
		}
	closedir(d);
	rmdir(ut_tmpdir);
}

static int ut_selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return 1;
	for (i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	const struct unit_test *suites[] = { uapi_tests, ring_tests, error_tests, abi_tests };
	const char *tag = getenv("UNIT_TAG");
	pid_t self = getpid();
	size_t s;

	if (tag && *tag)
		ut_tag = tag;
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(ut_tmpdir, sizeof(ut_tmpdir), "/tmp/lmonster-unit.XXXXXX");
	if (!mkdtemp(ut_tmpdir)) {
		printf("FAIL %s/setup: mkdtemp: %s\n", ut_tag, strerror(errno));
		return 1;
	}
	for (s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		const struct unit_test *t;

		for (t = suites[s]; t->name; t++) {
			if (!ut_selected(t->name, argc, argv))
				continue;
			ut_begin(t->name);
			t->fn();
			if (getpid() != self)	/* a forked child that fell through */
				_exit(111);
			if (!ut_failed && !ut_passed)
				ut_fail(__FILE__, __LINE__, "test ended without a verdict");
		}
	}
	ut_rm_tmpdir();
	fprintf(stderr, "unit(%s): %d passed, %d failed\n", ut_tag, ut_npass, ut_nfail);
	return ut_nfail ? 1 : 0;
}
