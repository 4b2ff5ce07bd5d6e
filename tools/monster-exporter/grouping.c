// SPDX-License-Identifier: GPL-2.0
/*
 * grouping.c - which group a task belongs to: its comm (from the record),
 * or its executable, user or cgroup (from /proc, looked up once per new
 * task or exec, never per scrape). A file-backed ring set describes tasks
 * of no machine, so there only comm means something: exe falls back to
 * comm, user and cgroup to "unknown", as does a task /proc no longer has
 * or does not show this user.
 */
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exporter.h"

#define UNKNOWN_GROUP "unknown"

static const char *const names[] = {
	[GROUP_BY_COMM] = "comm",
	[GROUP_BY_EXE] = "exe",
	[GROUP_BY_USER] = "user",
	[GROUP_BY_CGROUP] = "cgroup",
};

const char *group_by_name(enum group_by by)
{
	return names[by];
}

int group_by_value(const char *name, enum group_by *by)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i])) {
			*by = (enum group_by)i;
			return 0;
		}
	return -1;
}

static void copy_name(char *name, const char *s, size_t len)
{
	if (len >= GROUP_NAME_MAX)
		len = GROUP_NAME_MAX - 1;
	memcpy(name, s, len);
	name[len] = '\0';
}

/* The base name of /proc/TGID/exe (" (deleted)" and all), or -1. */
static int proc_exe(uint32_t tgid, char *name)
{
	char path[64], target[4096];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%u/exe", tgid);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return -1;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!*base)
		return -1;
	copy_name(name, base, strlen(base));
	return 0;
}

/* The owner of /proc/TGID by name, else by number, or -1. */
static int proc_user(uint32_t tgid, char *name)
{
	char path[64], buf[1024];
	struct passwd pw, *found = NULL;
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%u", tgid);
	if (stat(path, &st))
		return -1;
	if (!getpwuid_r(st.st_uid, &pw, buf, sizeof(buf), &found) && found)
		copy_name(name, found->pw_name, strlen(found->pw_name));
	else
		snprintf(name, GROUP_NAME_MAX, "%u", (unsigned int)st.st_uid);
	return 0;
}

/* The cgroup v2 path ("0::/path" of /proc/TGID/cgroup), else the first hierarchy's, or -1. */
static int proc_cgroup(uint32_t tgid, char *name)
{
	char path[64], line[4096], first[4096] = "";
	FILE *f;
	int found = -1;

	snprintf(path, sizeof(path), "/proc/%u/cgroup", tgid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		p = p ? strchr(p + 1, ':') : NULL;
		if (!p)
			continue;
		p[strcspn(p, "\n")] = '\0';
		if (!strncmp(line, "0::", 3)) {
			copy_name(name, p + 1, strlen(p + 1));
			found = 0;
			break;
		}
		if (!*first)
			snprintf(first, sizeof(first), "%s", p + 1);
	}
	fclose(f);
	if (found && *first) {
		copy_name(name, first, strlen(first));
		found = 0;
	}
	return found;
}

void group_resolve(const struct grouping *g, uint32_t tgid, const char *comm, char *name)
{
	size_t comm_len = strnlen(comm, 16);
	int ret = -1;

	switch (g->by) {
	case GROUP_BY_COMM:
		copy_name(name, comm, comm_len);
		return;
	case GROUP_BY_EXE:
		/* kernel threads have no executable: their comm names them */
		if (!g->use_proc || proc_exe(tgid, name))
			copy_name(name, comm, comm_len);
		return;
	case GROUP_BY_USER:
		ret = g->use_proc ? proc_user(tgid, name) : -1;
		break;
	case GROUP_BY_CGROUP:
		ret = g->use_proc ? proc_cgroup(tgid, name) : -1;
		break;
	}
	if (ret)
		copy_name(name, UNKNOWN_GROUP, strlen(UNKNOWN_GROUP));
}
