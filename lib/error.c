// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * error.c - messages for error codes (with the calling thread's last noted
 * detail, where a failure has one), and the optional log callback.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lm_internal.h"

#ifndef LMONSTER_VERSION
#define LMONSTER_VERSION "unknown"
#endif

#define LM_STR_(x)	#x
#define LM_STR(x)	LM_STR_(x)

/* The only process-wide state: where diagnostics go (silent by default). */
static lmonster_log_fn lm_log_fn;
static void *lm_log_arg;

/* Per thread: the detail of the last noted failure, for lmonster_strerror(lm_note_code). */
static __thread int lm_note_code;
static __thread char lm_note_msg[512];
static __thread char lm_msg[64];

LMONSTER_API const char *lmonster_version(void)
{
	return LMONSTER_VERSION;
}

LMONSTER_API void lmonster_set_log(lmonster_log_fn fn, void *arg)
{
	__atomic_store_n(&lm_log_arg, arg, __ATOMIC_RELAXED);
	__atomic_store_n(&lm_log_fn, fn, __ATOMIC_RELEASE);
}

static void lm_vlog(int level, const char *fmt, va_list ap)
{
	lmonster_log_fn fn = __atomic_load_n(&lm_log_fn, __ATOMIC_ACQUIRE);
	char buf[512];

	if (!fn)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	fn(level, buf, __atomic_load_n(&lm_log_arg, __ATOMIC_RELAXED));
}

void lm_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lm_vlog(level, fmt, ap);
	va_end(ap);
}

int lm_err(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lm_vlog(LMONSTER_LOG_ERR, fmt, ap);
	va_end(ap);
	return err;
}

int lm_err_note(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lm_note_msg, sizeof(lm_note_msg), fmt, ap);
	va_end(ap);
	lm_note_code = err < 0 ? -err : err;
	return lm_err(err, "%s", lm_note_msg);
}

void lm_note_clear(void)
{
	lm_note_code = 0;	/* the text stays: a caller may still hold it */
}

LMONSTER_API const char *lmonster_strerror(int err)
{
	const char *desc;

	if (err < 0)
		err = -err;
	if (err && err == lm_note_code && lm_note_msg[0])
		return lm_note_msg;
	switch (err) {
	case 0:
		return "success";
	case ENOENT:
		return MONSTER_DEVICE_PATH " not found: is the monster module loaded? (modprobe monster)";
	case EACCES:
	case EPERM:
		return "permission denied: " MONSTER_DEVICE_PATH " is root-only unless a udev rule "
		       "grants a group (see packaging/60-monster.rules)";
	case EPROTO:
		return "ABI mismatch: the device speaks another monster ABI than this library "
		       "(ABI " LM_STR(MONSTER_ABI_MAJOR) "." LM_STR(MONSTER_ABI_MINOR) "): install a "
		       "module and liblmonster from the same release";
	case ENODEV:
		return "not a monster device: the path is neither " MONSTER_DEVICE_PATH
		       " nor a file-backed ring set";
	case EBADMSG:
		return "inconsistent ring layout: the driver or ring-set file reports a layout "
		       "that does not add up (corrupt file, or module and library out of step)";
	case EBUSY:
		return "busy: the ring is claimed by another consumer, or the change needs the "
		       "sampler stopped and no other user mapping the rings";
	case EINVAL:
		return "invalid argument: a ring index outside 0..14, a release of more records "
		       "than are ready, a NULL pointer, or a value out of range";
	case ENOTTY:
		return "the device does not know this request: module and library are from "
		       "different releases";
	case EOPNOTSUPP:
		return "not supported on a file-backed ring set: control calls need " MONSTER_DEVICE_PATH;
	case EBADFD:
		return "no rings mapped: the handle was opened with LMONSTER_OPEN_CONTROL";
	case ETIMEDOUT:
		return "timed out waiting for records: is the sampler running? (monsterctl start)";
	case EINTR:
		return "interrupted by a signal";
	case ENOBUFS:
		return "ring full: the record was dropped and counted";
	case EEXIST:
		return "file exists: remove it or create with LMONSTER_CREATE_REPLACE";
	case ENOMEM:
		return "out of memory";
	}
	desc = strerrordesc_np(err);
	if (desc)
		return desc;
	snprintf(lm_msg, sizeof(lm_msg), "unknown error %d", err);
	return lm_msg;
}
