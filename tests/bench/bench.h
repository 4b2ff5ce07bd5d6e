/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - helpers shared by the `make bench` programs (spawn, procscan, monbench).
 *
 * Every measurement is printed as one raw line
 *
 *	BENCH <key> <value>
 *
 * one line per run; tests/bench/report.sh groups the lines by key and prints the
 * median and the spread (min-max) of each. Facts about the machine are printed as
 * `BENCHINFO <key> <text>`. Anything else a program prints is commentary for the log.
 * The clock and sleeps are the test harness's (../harness.h).
 */
#ifndef MONSTER_BENCH_H
#define MONSTER_BENCH_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"

/* One raw figure: key is "<prefix>.<metric>", e.g. vm.n1000.kernel.ns_per_task. */
__attribute__((format(printf, 2, 3)))
static inline void bench_out(double value, const char *fmt, ...)
{
	char key[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	printf("BENCH %s %.6g\n", key, value);
	fflush(stdout);
}

__attribute__((format(printf, 2, 3)))
static inline void bench_info(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("BENCHINFO %s ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

__attribute__((format(printf, 2, 3), noreturn))
static inline void bench_die(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile (0..1) of v[0..n), nearest rank; sorts v. */
static inline double bench_quantile(double *v, size_t n, double q)
{
	size_t i;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), bench_cmp_double);
	i = (size_t)(q * (double)n);
	if (i >= n)
		i = n - 1;
	return v[i];
}

/* Parses "--name value" style options into unsigned values; returns 1 if it took argv[*i]. */
static inline int bench_opt_uint(int argc, char **argv, int *i, const char *name,
				 unsigned long *out)
{
	char *end;

	if (strcmp(argv[*i], name) != 0)
		return 0;
	if (*i + 1 >= argc)
		bench_die(argv[0], "%s needs a value", name);
	errno = 0;
	*out = strtoul(argv[*i + 1], &end, 10);
	if (errno || *end || end == argv[*i + 1])
		bench_die(argv[0], "%s: bad number '%s'", name, argv[*i + 1]);
	(*i)++;
	return 1;
}

static inline int bench_opt_str(int argc, char **argv, int *i, const char *name,
				const char **out)
{
	if (strcmp(argv[*i], name) != 0)
		return 0;
	if (*i + 1 >= argc)
		bench_die(argv[0], "%s needs a value", name);
	*out = argv[++(*i)];
	return 1;
}

#endif /* MONSTER_BENCH_H */
