/* SPDX-License-Identifier: GPL-2.0 */
/* parse_num.h - the strict number parsing every monster tool uses for its options. */
#ifndef MONSTER_TOOLS_PARSE_NUM_H
#define MONSTER_TOOLS_PARSE_NUM_H

#include <errno.h>
#include <stdlib.h>

/*
 * All of s, base 10, within [min, max]: no sign, no leading blank, no
 * trailing junk (strtoul alone accepts " -1" as ULONG_MAX). 0 or -1.
 */
static inline int parse_ulong(const char *s, unsigned long min, unsigned long max,
			      unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

#endif /* MONSTER_TOOLS_PARSE_NUM_H */
