// SPDX-License-Identifier: GPL-2.0
/*
 * t_abi.c - the ABI versions the library opens and the feature calls it
 * gates, against ring-set files patched to speak other versions: a newer
 * minor with unknown feature bits opens and works, a 1.0 one opens and
 * refuses the 1.1 call by name, a 1.2 one refuses the counts per kind and
 * event settings by name, another major is refused naming both.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

#define INFO_AT(field) ((off_t)(offsetof(struct lmonster_file_header, info) + \
				offsetof(struct monster_info, field)))
/* the shared header opens the headers region, page 2 of a ring-set file */
#define SHARED_AT(field) ((off_t)(2 * sysconf(_SC_PAGESIZE) + \
				  offsetof(struct monster_shared_header, field)))

#define FEAT_UNKNOWN	(1ULL << 63)	/* a bit no release has defined */

/* Overwrite len bytes at off of the file at path. */
static int patch(const char *path, off_t off, const void *v, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ok = fd >= 0 && pwrite(fd, v, len, off) == (ssize_t)len;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* Make the file at path claim ABI major.minor with these features (info and shared header). */
static int speak(const char *path, __u32 major, __u32 minor, __u64 features)
{
	return patch(path, INFO_AT(abi_major), &major, sizeof(major)) ||
	       patch(path, SHARED_AT(abi_major), &major, sizeof(major)) ||
	       patch(path, INFO_AT(abi_minor), &minor, sizeof(minor)) ||
	       patch(path, SHARED_AT(abi_minor), &minor, sizeof(minor)) ||
	       patch(path, INFO_AT(features), &features, sizeof(features));
}

/* A ring set at path with n records pushed (auto-sharded), the producer closed. */
static int make_set(const char *path, unsigned int n)
{
	struct lmonster_producer *p = NULL;
	struct monster_sample s;
	unsigned int i;
	int ret = lmonster_producer_create(path, 64, LMONSTER_CREATE_REPLACE, &p);

	for (i = 0; !ret && i < n; i++) {
		ut_make_record(&s, i);
		ret = lmonster_producer_push(p, LMONSTER_RING_AUTO, &s);
	}
	lmonster_producer_close(p);
	return ret;
}

static int count_record(unsigned int ring, const struct monster_sample *s, void *arg)
{
	(void)ring;
	*(unsigned int *)arg += ut_record_ok(s);
	return 0;
}

/* What the library's own producer writes: this minor, counts per kind, no sweep timing. */
static void test_abi_file_speaks(void)
{
	struct lmonster *h = NULL;
	struct monster_sweep_hist hist;
	struct monster_kind_stats ks;
	struct monster_info info;
	char path[160];
	const char *msg;

	snprintf(path, sizeof(path), "%s", th_path("abi-file"));
	CHECK_RET(make_set(path, 0), 0);
	CHECK_RET(lmonster_open(path, 0, &h), 0);
	CHECK_RET(lmonster_info(h, &info), 0);
	CHECK(info.abi_major == MONSTER_ABI_MAJOR && info.abi_minor == MONSTER_ABI_MINOR &&
	      info.features == MONSTER_FEAT_EVENTS, "file speaks ABI %u.%u, features %#llx",
	      info.abi_major, info.abi_minor, (unsigned long long)info.features);
	CHECK_RET(lmonster_kind_stats(h, &ks), 0);
	CHECK_RET(lmonster_sweep_hist(h, &hist), -EOPNOTSUPP);
	msg = lmonster_strerror(-EOPNOTSUPP);
	CHECK(strstr(msg, "sweep_hist") && strstr(msg, "no sweep timing"),
	      "message does not say why a file has no sweep_hist: %s", msg);
	CHECK_RET(lmonster_sweep_hist(h, NULL), -EINVAL);
	CHECK_RET(lmonster_sweep_hist(NULL, &hist), -EINVAL);
	PASSED("producer writes ABI %u.%u, features events; sweep_hist: -EOPNOTSUPP, \"%s\"",
	       MONSTER_ABI_MAJOR, MONSTER_ABI_MINOR, msg);
out:
	lmonster_close(h);
	unlink(path);
}

/* A driver newer than the library: a higher minor, feature bits it does not know. */
static void test_abi_newer_minor(void)
{
	struct lmonster *h = NULL;
	struct monster_sweep_hist hist;
	struct monster_kind_stats ks;
	struct monster_info info;
	__u64 features = MONSTER_FEATURES | FEAT_UNKNOWN, samples = 0;
	unsigned int good = 0, r;
	char path[160];
	int n;

	snprintf(path, sizeof(path), "%s", th_path("abi-newer"));
	CHECK_RET(make_set(path, 40), 0);
	CHECK(speak(path, MONSTER_ABI_MAJOR, MONSTER_ABI_MINOR + 1, features) == 0, "patch");
	CHECK_RET(lmonster_open(path, 0, &h), 0);
	CHECK_RET(lmonster_info(h, &info), 0);
	CHECK(info.abi_minor == MONSTER_ABI_MINOR + 1 && info.features == features,
	      "info reports ABI %u.%u, features %#llx", info.abi_major, info.abi_minor,
	      (unsigned long long)info.features);
	n = lmonster_for_each(h, count_record, &good, 0);
	CHECK(n == 40 && good == 40, "consumed %d records, %u intact", n, good);
	/* the bit is set, but a file answers no ioctl; its counts per kind it has */
	CHECK_RET(lmonster_sweep_hist(h, &hist), -EOPNOTSUPP);
	CHECK_RET(lmonster_kind_stats(h, &ks), 0);
	for (r = 0; r < MONSTER_NR_RINGS; r++)
		samples += ks.produced[MONSTER_KIND_SAMPLE][r];
	CHECK(samples == 40, "%llu samples counted, 40 pushed", (unsigned long long)samples);
	PASSED("ABI %u.%u file with unknown feature bits %#llx: opens, reports them, 40 records "
	       "consumed", MONSTER_ABI_MAJOR, MONSTER_ABI_MINOR + 1, (unsigned long long)features);
out:
	lmonster_close(h);
	unlink(path);
}

/* A 1.0 driver: opens, the 1.1 call is refused naming the feature and both versions. */
static void test_abi_minor_zero(void)
{
	struct lmonster *h = NULL;
	struct monster_sweep_hist hist;
	struct monster_info info;
	unsigned int good = 0;
	char path[160], want[32];
	const char *msg;

	snprintf(path, sizeof(path), "%s", th_path("abi-1.0"));
	CHECK_RET(make_set(path, 3), 0);
	CHECK(speak(path, MONSTER_ABI_MAJOR, 0, 0) == 0, "patch");
	CHECK_RET(lmonster_open(path, 0, &h), 0);
	CHECK_RET(lmonster_info(h, &info), 0);
	CHECK(info.abi_minor == 0 && info.features == 0, "info reports ABI %u.%u",
	      info.abi_major, info.abi_minor);
	CHECK_RET(lmonster_for_each(h, count_record, &good, 0), 3);
	CHECK(good == 3, "%u of 3 records intact", good);
	CHECK_RET(lmonster_sweep_hist(h, &hist), -EOPNOTSUPP);
	msg = lmonster_strerror(-EOPNOTSUPP);
	CHECK(strstr(msg, "sweep-duration histogram") && strstr(msg, "feature sweep_hist"),
	      "message does not name the feature: %s", msg);
	snprintf(want, sizeof(want), "ABI %u.0", MONSTER_ABI_MAJOR);
	CHECK(strstr(msg, want), "message does not name the file's ABI %s: %s", want, msg);
	snprintf(want, sizeof(want), "ABI %u.1", MONSTER_ABI_MAJOR);
	CHECK(strstr(msg, want), "message does not name the feature's ABI %s: %s", want, msg);
	/* a later refusal without a feature gets its own message, not this one */
	CHECK_RET(lmonster_start(h), -EOPNOTSUPP);
	CHECK(!strstr(lmonster_strerror(-EOPNOTSUPP), "sweep_hist"), "stale message: %s",
	      lmonster_strerror(-EOPNOTSUPP));
	PASSED("ABI %u.0 file: opens, 3 records consumed; sweep_hist: -EOPNOTSUPP, \"%s\"",
	       MONSTER_ABI_MAJOR, msg);
out:
	lmonster_close(h);
	unlink(path);
}

/* A 1.2 file (no feature bits): the counts per kind and the event settings, refused by name. */
static void test_abi_events_gate(void)
{
	struct lmonster *h = NULL;
	struct monster_kind_stats ks;
	struct monster_config cfg;
	char path[160], want[32];
	const char *msg;

	snprintf(path, sizeof(path), "%s", th_path("abi-1.2"));
	CHECK_RET(make_set(path, 3), 0);
	CHECK(speak(path, MONSTER_ABI_MAJOR, 2, 0) == 0, "patch");
	CHECK_RET(lmonster_open(path, 0, &h), 0);
	CHECK_RET(lmonster_kind_stats(h, &ks), -EOPNOTSUPP);
	msg = lmonster_strerror(-EOPNOTSUPP);
	snprintf(want, sizeof(want), "ABI %u.3", MONSTER_ABI_MAJOR);
	CHECK(strstr(msg, "feature events") && strstr(msg, "record kinds") && strstr(msg, want) &&
	      strstr(msg, "no counts per kind"), "message does not name the feature: %s", msg);
	CHECK_RET(lmonster_get_config(h, &cfg), 0);
	cfg.events = MONSTER_EVENT(MONSTER_KIND_FORK);
	CHECK_RET(lmonster_set_config(h, &cfg), -EOPNOTSUPP);
	CHECK(strstr(lmonster_strerror(-EOPNOTSUPP), "feature events"), "events: %s",
	      lmonster_strerror(-EOPNOTSUPP));
	cfg.events = 0;
	cfg.fault_every = 10;
	CHECK_RET(lmonster_set_config(h, &cfg), -EOPNOTSUPP);
	CHECK(strstr(lmonster_strerror(-EOPNOTSUPP), "feature events"), "fault_every: %s",
	      lmonster_strerror(-EOPNOTSUPP));
	cfg.fault_every = 0;
	cfg.fault_tgid = 1;
	CHECK_RET(lmonster_set_config(h, &cfg), -EOPNOTSUPP);
	CHECK(strstr(lmonster_strerror(-EOPNOTSUPP), "feature events"), "fault_tgid: %s",
	      lmonster_strerror(-EOPNOTSUPP));
	lmonster_close(h);
	h = NULL;
	/* with the feature, a file still takes no configuration: the generic refusal */
	CHECK_RET(make_set(path, 0), 0);
	CHECK_RET(lmonster_open(path, 0, &h), 0);
	CHECK_RET(lmonster_get_config(h, &cfg), 0);
	cfg.events = MONSTER_EVENTS_ALL;
	CHECK_RET(lmonster_set_config(h, &cfg), -EOPNOTSUPP);
	CHECK(!strstr(lmonster_strerror(-EOPNOTSUPP), "feature events"), "stale message: %s",
	      lmonster_strerror(-EOPNOTSUPP));
	PASSED("ABI %u.2 file: kind_stats and events/fault_every/fault_tgid -EOPNOTSUPP, \"%s\"; "
	       "a %u.%u file refuses configuration as every file does", MONSTER_ABI_MAJOR, msg,
	       MONSTER_ABI_MAJOR, MONSTER_ABI_MINOR);
out:
	lmonster_close(h);
	unlink(path);
}

/* Another major is refused, the message naming both versions. */
static void test_abi_major(void)
{
	struct lmonster *h = (struct lmonster *)&h;
	char path[160], want[32];
	const char *msg;
	int fds = th_count_fds(), maps = th_count_maps();

	snprintf(path, sizeof(path), "%s", th_path("abi-major"));
	CHECK_RET(make_set(path, 0), 0);
	CHECK(speak(path, MONSTER_ABI_MAJOR + 1, 0, 0) == 0, "patch");
	CHECK_RET(lmonster_open(path, 0, &h), -EPROTO);
	CHECK(h == NULL, "*out not cleared");
	msg = lmonster_strerror(-EPROTO);
	snprintf(want, sizeof(want), "ABI %u.0", MONSTER_ABI_MAJOR + 1);
	CHECK(strstr(msg, want), "message does not name the file's %s: %s", want, msg);
	snprintf(want, sizeof(want), "ABI %u.%u", MONSTER_ABI_MAJOR, MONSTER_ABI_MINOR);
	CHECK(strstr(msg, want), "message does not name the library's %s: %s", want, msg);
	CHECK(th_count_fds() == fds && th_count_maps() == maps, "descriptor or mapping leaked");
	/* the next open starts afresh: no detail from this one */
	CHECK_RET(lmonster_open("/nonexistent/abi", 0, &h), -ENOENT);
	CHECK(!strstr(lmonster_strerror(-EPROTO), path), "stale message: %s",
	      lmonster_strerror(-EPROTO));
	PASSED("ABI %u.0 file: -EPROTO, \"%s\"", MONSTER_ABI_MAJOR + 1, msg);
out:
	unlink(path);
}

/* GET_INFO's version and the shared header's must agree. */
static void test_abi_headers_agree(void)
{
	struct lmonster *h = NULL;
	__u32 minor = MONSTER_ABI_MINOR + 1;
	char path[160];

	snprintf(path, sizeof(path), "%s", th_path("abi-disagree"));
	CHECK_RET(make_set(path, 0), 0);
	CHECK(patch(path, INFO_AT(abi_minor), &minor, sizeof(minor)) == 0, "patch");
	CHECK_RET(lmonster_open(path, 0, &h), -EBADMSG);
	CHECK(patch(path, SHARED_AT(abi_minor), &minor, sizeof(minor)) == 0, "patch");
	CHECK_RET(lmonster_open(path, 0, &h), 0);
	PASSED("info minor %u with shared header minor %u: -EBADMSG; both %u: opens", minor,
	       MONSTER_ABI_MINOR, minor);
out:
	lmonster_close(h);
	unlink(path);
}

const struct th_test abi_tests[] = {
	{ "abi_file_speaks", test_abi_file_speaks },
	{ "abi_newer_minor", test_abi_newer_minor },
	{ "abi_minor_zero", test_abi_minor_zero },
	{ "abi_events_gate", test_abi_events_gate },
	{ "abi_major", test_abi_major },
	{ "abi_headers_agree", test_abi_headers_agree },
	{ NULL, NULL },
};
