// SPDX-License-Identifier: GPL-2.0
/*
 * json_writer.c - JSON documents for monster's tools, built with json-c and
 * printed one per line (json_writer.h says how byte strings are mapped).
 */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json_writer.h"

/* one line; json-c escapes '"', '\' and bytes below 0x20, and leaves '/' as it is */
#define JSONW_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

void jsonw_init(struct jsonw *w, FILE *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
}

static void fail(struct jsonw *w, int err)
{
	if (!w->err)
		w->err = err;
}

/* Hand v (owned; NULL is null) to the innermost open container. */
static bool attach(struct jsonw *w, const char *key, struct json_object *v)
{
	struct json_object *in = w->depth && w->depth <= JSONW_MAX_DEPTH ?
				 w->open[w->depth - 1] : NULL;
	bool in_array = in && json_object_is_type(in, json_type_array);
	int ret = -1;

	if (!in || in_array != !key) {
		fail(w, -EINVAL);	/* a key in an array, none in an object, or no container */
	} else {
		ret = key ? json_object_object_add(in, key, v) : json_object_array_add(in, v);
		if (ret)
			fail(w, -ENOMEM);
	}
	if (ret)
		json_object_put(v);
	return ret == 0;
}

/* A new value (NULL: allocation failed) for key. */
static void put(struct jsonw *w, const char *key, struct json_object *v)
{
	if (!v)
		fail(w, -ENOMEM);
	if (!v || w->err)
		json_object_put(v);
	else
		attach(w, key, v);
}

static void start(struct jsonw *w, const char *key, struct json_object *c)
{
	if (!c)
		fail(w, -ENOMEM);
	if (w->depth >= JSONW_MAX_DEPTH) {
		fail(w, -EINVAL);
		json_object_put(c);
	} else if (!w->depth) {
		if (key)
			fail(w, -EINVAL);
		w->open[0] = c;		/* the document: freed by the last jsonw_end() */
	} else if (!c || w->err) {
		json_object_put(c);
		w->open[w->depth] = NULL;
	} else {
		/* attach() frees what it refuses */
		w->open[w->depth] = attach(w, key, c) ? c : NULL;
	}
	w->depth++;
}

void jsonw_start_object(struct jsonw *w, const char *key)
{
	start(w, key, json_object_new_object());
}

void jsonw_start_array(struct jsonw *w, const char *key)
{
	start(w, key, json_object_new_array());
}

/* The document as printable ASCII: json-c leaves bytes >= 0x7f as they are. */
static int print_ascii(FILE *out, struct json_object *doc)
{
	size_t len = 0, i, from = 0;
	const char *s = json_object_to_json_string_length(doc, JSONW_FLAGS, &len);

	if (!s)
		return -ENOMEM;
	/* structure and numbers are ASCII: a byte >= 0x7f is inside a string (or key) */
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x7f)
			continue;
		fwrite(s + from, 1, i - from, out);
		fprintf(out, "\\u%04x", (unsigned char)s[i]);
		from = i + 1;
	}
	fwrite(s + from, 1, len - from, out);
	putc('\n', out);
	return ferror(out) ? -EIO : 0;
}

int jsonw_end(struct jsonw *w)
{
	int ret;

	if (!w->depth)
		return -EINVAL;
	if (--w->depth)
		return 0;
	ret = w->err ? w->err : print_ascii(w->out, w->open[0]);
	json_object_put(w->open[0]);
	w->open[0] = NULL;
	w->err = 0;
	return ret;
}

void jsonw_uint(struct jsonw *w, const char *key, uint64_t v)
{
	put(w, key, json_object_new_uint64(v));
}

void jsonw_int(struct jsonw *w, const char *key, int64_t v)
{
	put(w, key, json_object_new_int64(v));
}

void jsonw_bool(struct jsonw *w, const char *key, bool v)
{
	put(w, key, json_object_new_boolean(v));
}

void jsonw_null(struct jsonw *w, const char *key)
{
	if (!w->err)
		attach(w, key, NULL);
}

void jsonw_fixed(struct jsonw *w, const char *key, double v, int decimals)
{
	char buf[DBL_MAX_10_EXP + 64];	/* every finite double with up to 32 decimals */

	if (!isfinite(v)) {
		jsonw_null(w, key);
		return;
	}
	if (decimals < 0 || decimals > 32) {
		fail(w, -EINVAL);
		return;
	}
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	put(w, key, json_object_new_double_s(v, buf));	/* printed as buf, not as %.17g */
}

void jsonw_bytes(struct jsonw *w, const char *key, const char *s, size_t len)
{
	if (len > INT_MAX)
		fail(w, -EINVAL);
	else
		put(w, key, json_object_new_string_len(s, (int)len));
}

void jsonw_string(struct jsonw *w, const char *key, const char *s)
{
	if (s)
		jsonw_bytes(w, key, s, strlen(s));
	else
		jsonw_null(w, key);
}

void jsonw_stringf(struct jsonw *w, const char *key, const char *fmt, ...)
{
	char buf[128], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf)) {
		va_start(ap, fmt);
		if (vasprintf(&big, fmt, ap) < 0)
			big = NULL;
		va_end(ap);
	}
	if (n < 0 || (n >= (int)sizeof(buf) && !big))
		fail(w, n < 0 ? -EINVAL : -ENOMEM);
	else
		jsonw_bytes(w, key, big ? big : buf, (size_t)n);
	free(big);
}
