/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json_writer.h - how monster's tools print JSON: one document per line,
 * built with json-c and written as printable ASCII.
 *
 * Strings are byte strings (a comm, a file name: bytes from the kernel or a
 * command line, not necessarily UTF-8). Each byte becomes the code point of
 * the same value, U+0000..U+00FF (ISO 8859-1), so every byte sequence maps
 * to one JSON string and back:
 *   '"' and '\'             \" and \\
 *   0x00..0x1f              \b \t \n \f \r, the others \u0000..\u001f
 *   0x20..0x7e              themselves
 *   0x7f..0xff              \u007f..\u00ff
 * Any JSON parser accepts the result; the bytes come back as the code
 * points (Python: s.encode("latin-1"), jq: explode). ASCII names read as
 * they are; other bytes never reach a terminal raw.
 *
 * Use: jsonw_init(), one jsonw_start_object(w, NULL), fields, nested
 * objects and arrays, then jsonw_end() for each start. The last jsonw_end()
 * prints the document with a newline and returns 0, or the first error of
 * the document (-ENOMEM, -EINVAL for misnesting, -EIO), in which case
 * nothing is printed. A key is the field's name inside an object, NULL for
 * an element of an array.
 */
#ifndef MONSTER_TOOLS_JSON_WRITER_H
#define MONSTER_TOOLS_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSONW_MAX_DEPTH 8

struct json_object;

struct jsonw {
	FILE *out;
	struct json_object *open[JSONW_MAX_DEPTH];	/* open[0]: the document */
	unsigned int depth;
	int err;
};

void jsonw_init(struct jsonw *w, FILE *out);
void jsonw_start_object(struct jsonw *w, const char *key);
void jsonw_start_array(struct jsonw *w, const char *key);
int jsonw_end(struct jsonw *w);

void jsonw_uint(struct jsonw *w, const char *key, uint64_t v);
void jsonw_int(struct jsonw *w, const char *key, int64_t v);
void jsonw_bool(struct jsonw *w, const char *key, bool v);
void jsonw_null(struct jsonw *w, const char *key);
/* v with this many decimals ("%.*f"); null when v is not finite */
void jsonw_fixed(struct jsonw *w, const char *key, double v, int decimals);
/* len bytes of s, mapped as above (NULs included) */
void jsonw_bytes(struct jsonw *w, const char *key, const char *s, size_t len);
/* the bytes of s up to its NUL; NULL: null */
void jsonw_string(struct jsonw *w, const char *key, const char *s);
void jsonw_stringf(struct jsonw *w, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* MONSTER_TOOLS_JSON_WRITER_H */
