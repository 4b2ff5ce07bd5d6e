// SPDX-License-Identifier: GPL-2.0
/*
 * t_60_access - who may open the device, and the module's lifetime: an
 * unprivileged user cannot open it; the module cannot be removed while a file
 * or a mapping holds it (and works afterwards); once nothing does, it unloads
 * cleanly and loads again.
 */
#include "vmtest.h"

#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct unpriv {
	int uid, gid;
	int rw_err, ro_err, wo_err;
	int rw_fd, ro_fd;
};

static int unpriv_child(void *arg)
{
	struct unpriv *u = arg;
	int fd;

	if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
		return 2;
	u->uid = (int)geteuid();
	u->gid = (int)getegid();
	fd = open(MONSTER_DEVICE_PATH, O_RDWR);
	u->rw_err = fd < 0 ? errno : 0;
	u->rw_fd = fd;
	fd = open(MONSTER_DEVICE_PATH, O_RDONLY);
	u->ro_err = fd < 0 ? errno : 0;
	u->ro_fd = fd;
	fd = open(MONSTER_DEVICE_PATH, O_WRONLY);
	u->wo_err = fd < 0 ? errno : 0;
	return 0;
}

static long long refcnt(void)
{
	char buf[32];

	if (vt_read_file("/sys/module/monster/refcnt", buf, sizeof(buf)) <= 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

/* if a check unloaded the module, put it back for the programs after us */
static void reload_if_gone(const char *name)
{
	int err;

	if (vt_module_loaded())
		return;
	err = vt_module_reload();
	th_note("%s: the module was unloaded; reloading it: %s", name, err ? strerror(err) : "ok");
}

static bool device_works(char *why, size_t len)
{
	struct vt_dev d;
	int err = vt_open(&d), e1, e2, e3;
	uint64_t n;

	if (err) {
		snprintf(why, len, "open: %s", strerror(-err));
		return false;
	}
	e1 = vt_start(d.fd);
	n = vt_wait_sweeps(d.fd, 2, 3000, NULL, NULL, NULL);
	e2 = vt_stop(d.fd);
	e3 = d.info.abi_major == MONSTER_ABI_MAJOR ? 0 : EPROTO;
	vt_close(&d);
	snprintf(why, len, "GET_INFO abi %s, START %s, %" PRIu64 " sweeps, STOP %s",
		 e3 ? "wrong" : "ok", e1 ? strerror(e1) : "ok", n, e2 ? strerror(e2) : "ok");
	return !e1 && !e2 && !e3 && n >= 2;
}

static int wait_node(bool present, unsigned int ms)
{
	uint64_t end = th_now_ns() + (uint64_t)ms * 1000000ULL;

	while (th_now_ns() < end) {
		if ((access(MONSTER_DEVICE_PATH, F_OK) == 0) == present)
			return 0;
		th_sleep_ms(10);
	}
	return -1;
}

int main(void)
{
	struct unpriv *u;
	char why[256];
	long long r0, r1, r2, r3;
	int status, err, e_start;
	void *hdr;
	struct vt_dev d;

	vt_begin("t_60_access");

	/* ---- unprivileged open ---- */
	u = vt_shared_alloc(4096);
	if (!u)
		vt_bail("access-setup", "shared page: %s", strerror(errno));
	u->rw_fd = u->ro_fd = -1;
	status = vt_run_child(unpriv_child, u);
	th_check(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0 && u->uid == 65534 &&
		 u->rw_err == EACCES && u->ro_err == EACCES && u->wo_err == EACCES,
		 "access-unprivileged-open-refused",
		 "as uid %d gid %d (no groups): open O_RDWR: %s, O_RDONLY: %s, O_WRONLY: %s (want EACCES each); child status %#x",
		 u->uid, u->gid, u->rw_err ? strerror(u->rw_err) : "opened",
		 u->ro_err ? strerror(u->ro_err) : "opened", u->wo_err ? strerror(u->wo_err) : "opened",
		 status);

	/* ---- the module's reference count follows files and mappings ---- */
	r0 = refcnt();
	vt_open_or_bail(&d, "access-open");
	r1 = refcnt();
	hdr = mmap(NULL, d.info.headers_size, PROT_READ, MAP_SHARED, d.fd, (off_t)d.info.headers_offset);
	vt_close(&d);
	r2 = refcnt();
	if (hdr != MAP_FAILED)
		munmap(hdr, d.info.headers_size);
	r3 = refcnt();
	th_check(r0 >= 0 && hdr != MAP_FAILED && r1 == r0 + 1 && r2 == r0 + 1 && r3 == r0,
		 "access-refcnt-follows-users",
		 "/sys/module/monster/refcnt: %lld idle, %lld with a file open, %lld with only a mapping left, %lld after munmap",
		 r0, r1, r2, r3);

	/* ---- rmmod while open ---- */
	vt_open_or_bail(&d, "access-open");
	err = vt_module_unload(O_NONBLOCK);
	th_check(err == EWOULDBLOCK || err == EBUSY, "access-rmmod-while-open-refused",
		 "delete_module(\"monster\", O_NONBLOCK) with the device open: %s (want EWOULDBLOCK/EBUSY); module still loaded: %d",
		 err ? strerror(err) : "succeeded", vt_module_loaded());
	if (!err)
		reload_if_gone("access-rmmod-while-open-refused");
	if (access("/bin/busybox", X_OK) == 0) {
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);

			if (null >= 0) {
				dup2(null, 1);
				dup2(null, 2);
			}
			execl("/bin/busybox", "rmmod", "monster", (char *)NULL);
			_exit(127);
		}
		status = -1;
		if (pid > 0)
			waitpid(pid, &status, 0);
		th_check(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
			 vt_module_loaded(), "access-busybox-rmmod-while-open-refused",
			 "busybox rmmod monster with the device open: exit status %d; module still loaded: %d",
			 status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			 vt_module_loaded());
		reload_if_gone("access-busybox-rmmod-while-open-refused");
	} else {
		th_fail("access-busybox-rmmod-while-open-refused", "no /bin/busybox in the guest");
	}
	hdr = mmap(NULL, d.info.headers_size, PROT_READ, MAP_SHARED, d.fd, (off_t)d.info.headers_offset);
	vt_close(&d);
	th_check(device_works(why, sizeof(why)), "access-works-after-refused-rmmod", "%s", why);

	/* ---- rmmod with only a mapping left ---- */
	err = vt_module_unload(O_NONBLOCK);
	th_check(hdr != MAP_FAILED && (err == EWOULDBLOCK || err == EBUSY) &&
		 ((const struct monster_headers *)hdr)->shared.magic == MONSTER_MAGIC,
		 "access-rmmod-while-mapped-refused",
		 "file closed, headers still mapped: delete_module: %s (want EWOULDBLOCK/EBUSY); magic through the mapping %#x",
		 err ? strerror(err) : "succeeded",
		 hdr != MAP_FAILED ? ((const struct monster_headers *)hdr)->shared.magic : 0);
	if (!err)
		reload_if_gone("access-rmmod-while-mapped-refused");
	if (hdr != MAP_FAILED)
		munmap(hdr, d.info.headers_size);

	/*
	 * ---- nothing holds it: unload (while the sampler runs, started by a file
	 * that is closed now) and load again ----
	 */
	{
		struct vt_dev s;
		const char *how = "while sampling";
		bool node_gone, node_back;
		int e2;

		vt_open_or_bail(&s, "access-open");
		e_start = vt_start(s.fd);
		vt_close(&s);
		err = vt_module_unload(O_NONBLOCK);
		if (err == EWOULDBLOCK || err == EBUSY) {
			/* a driver may pin itself while sampling: then STOP must release it */
			how = "refused while sampling, then after STOP";
			if (vt_open(&s) == 0) {
				vt_stop(s.fd);
				vt_close(&s);
			}
			err = vt_module_unload(O_NONBLOCK);
		}
		node_gone = err == 0 && wait_node(false, 2000) == 0;
		e2 = err ? 0 : vt_module_reload();
		node_back = wait_node(true, 5000) == 0;
		th_check(!e_start && !err && node_gone && !e2 && node_back, "access-unload-reload",
			 "START, close, delete_module %s: %s, %s gone: %d; load again: %s, node back: %d",
			 how, err ? strerror(err) : "ok", MONSTER_DEVICE_PATH, node_gone,
			 e2 ? strerror(e2) : "ok", node_back);
	}
	reload_if_gone("access-unload-reload");
	th_check(device_works(why, sizeof(why)), "access-works-after-reload", "%s", why);
	return vt_end();
}
