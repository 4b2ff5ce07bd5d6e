// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - what the `make bench` programs share: figures, options, quantiles; see bench.h.
 */
#include "bench.h"

void bench_out(double value, const char *fmt, ...)
{
	char key[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	printf("BENCH %s %.6g\n", key, value);
	fflush(stdout);
}

void bench_info(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("BENCHINFO %s ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void bench_die(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_quantile(double *v, size_t n, double q)
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

int bench_opt_uint(int argc, char **argv, int *i, const char *name, unsigned long *out)
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

int bench_opt_str(int argc, char **argv, int *i, const char *name, const char **out)
{
	if (strcmp(argv[*i], name) != 0)
		return 0;
	if (*i + 1 >= argc)
		bench_die(argv[0], "%s needs a value", name);
	*out = argv[++(*i)];
	return 1;
}
