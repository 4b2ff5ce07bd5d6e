/* SPDX-License-Identifier: GPL-2.0 */
/* parse_num.h - the strict number parsing every monster tool uses for its options. */
#ifndef MONSTER_TOOLS_PARSE_NUM_H
#define MONSTER_TOOLS_PARSE_NUM_H

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

/* What strto*() would skip or take as a sign: refused (strtoul takes " -1" as ULONG_MAX). */
static inline int parse_num_bad_start(const char *s)
{
	return !s || !*s || *s == '-' || *s == '+' || isspace((unsigned char)*s);
}

/* All of s, base 10, within [min, max]: no sign, no leading blank, no trailing junk. 0 or -1. */
static inline int parse_ulong(const char *s, unsigned long min, unsigned long max,
			      unsigned long *out)
{
	char *end;
	unsigned long v;

	if (parse_num_bad_start(s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* All of s, a finite number (strtod's forms) within [min, max], with the same rules. 0 or -1. */
static inline int parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (parse_num_bad_start(s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || !(v >= min && v <= max))
		return -1;
	*out = v;
	return 0;
}

#endif /* MONSTER_TOOLS_PARSE_NUM_H */
