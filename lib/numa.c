// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * numa.c - where the ring pages and a PCI device are, and keeping the
 * calling thread on a node (libnuma). A machine without NUMA support, or
 * with a single node, takes the same calls and gets "unknown"/no-op
 * answers, silently.
 */
#include <errno.h>
#include <fcntl.h>
#include <numa.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lm_internal.h"

#define LM_NUMA_SAMPLES	64	/* pages asked about, spread over the ring records */

int lm_numa_ok(void)
{
	int saved = errno, ok = numa_available() >= 0;

	errno = saved;
	return ok;
}

int lm_numa_nodes(void)
{
	int n;

	if (!lm_numa_ok())
		return 1;
	n = numa_num_configured_nodes();
	return n > 0 ? n : 1;
}

LMONSTER_API int lmonster_numa_ring_node(struct lmonster *h, int *node)
{
	void *pages[LM_NUMA_SAMPLES];
	int status[LM_NUMA_SAMPLES];
	size_t page = (size_t)sysconf(_SC_PAGESIZE), npages;
	unsigned int i, n;
	int found = LMONSTER_NUMA_UNKNOWN;

	if (!h || !node)
		return -EINVAL;
	*node = LMONSTER_NUMA_UNKNOWN;
	if ((h->flags & LMONSTER_OPEN_CONTROL) || !lm_mapped(h)) {
		/* unmapped: only what the driver says */
		if (!lm_is_file(h) && h->info.numa_node >= 0)
			*node = h->info.numa_node;
		return 0;
	}
	if (!lm_is_file(h) && h->info.numa_node >= 0) {
		*node = h->info.numa_node;	/* the driver placed them there */
		return 0;
	}
	if (!lm_numa_ok())
		return 0;

	npages = (size_t)h->info.data_size / page;
	if (!npages)
		return 0;
	n = npages < LM_NUMA_SAMPLES ? (unsigned int)npages : LM_NUMA_SAMPLES;
	for (i = 0; i < n; i++) {
		const volatile unsigned char *p = h->data + (npages * i / n) * page;

		(void)*p;	/* a page not faulted in yet has no node */
		pages[i] = (void *)p;
		status[i] = -ENOENT;
	}
	if (move_pages(0, n, pages, NULL, status, 0) != 0) {
		/* no move_pages (e.g. seccomp): ask for the first page only */
		int nd = -1;

		if (get_mempolicy(&nd, NULL, 0, (void *)h->data, MPOL_F_NODE | MPOL_F_ADDR) == 0 &&
		    nd >= 0)
			*node = nd;
		errno = 0;
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (status[i] < 0)
			continue;
		if (found == LMONSTER_NUMA_UNKNOWN)
			found = status[i];
		else if (found != status[i])
			found = LMONSTER_NUMA_MIXED;
	}
	*node = found;
	return 0;
}

/* hex digits only, 1..max of them; *v gets the value; returns the end or NULL */
static const char *lm_hex(const char *s, int max, unsigned int *v)
{
	int n = 0;

	*v = 0;
	for (; n < max && ((*s >= '0' && *s <= '9') || ((*s | 32) >= 'a' && (*s | 32) <= 'f'));
	     s++, n++)
		*v = *v * 16 + (unsigned int)(*s <= '9' ? *s - '0' : (*s | 32) - 'a' + 10);
	return n ? s : NULL;
}

LMONSTER_API int lmonster_numa_pci_node(const char *pci_bus_id, int *node)
{
	unsigned int dom, bus, dev, fn;
	char path[96], buf[32];
	const char *s = pci_bus_id;
	ssize_t len;
	long v;
	int fd;

	if (!node)
		return -EINVAL;
	*node = LMONSTER_NUMA_UNKNOWN;
	/* domain:bus:device.function, hex: 0000:3b:00.0 or the driver's 00000000:3B:00.0 */
	if (s)
		s = lm_hex(s, 8, &dom);
	if (s && *s++ == ':')
		s = lm_hex(s, 2, &bus);
	else
		s = NULL;
	if (s && *s++ == ':')
		s = lm_hex(s, 2, &dev);
	else
		s = NULL;
	if (s && *s++ == '.')
		s = lm_hex(s, 1, &fn);
	else
		s = NULL;
	if (!s || *s || dev > 0x1f || fn > 7)
		return lm_err(-EINVAL, "numa: \"%s\" is not a PCI bus id (domain:bus:device.function)",
			      pci_bus_id ? pci_bus_id : "(null)");
	/* sysfs spells it lower-case with a 4-digit domain: 0000:3b:00.0 */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%04x:%02x:%02x.%x/numa_node",
		 dom, bus, dev, fn);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lm_err(-errno, "numa: %s: %s", path, strerror(errno));
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return lm_err(len < 0 ? -errno : -EIO, "numa: %s: cannot read", path);
	buf[len] = 0;
	v = strtol(buf, NULL, 10);
	*node = v >= 0 && v < 65536 ? (int)v : LMONSTER_NUMA_UNKNOWN;	/* -1: no affinity */
	return 0;
}

LMONSTER_API int lmonster_numa_bind(int node)
{
	struct bitmask *cpus;
	int ret = 0;

	if (node < 0 || lm_numa_nodes() <= 1)
		return 0;
	if (node > numa_max_node() || !numa_bitmask_isbitset(numa_nodes_ptr, (unsigned int)node))
		return lm_err(-EINVAL, "numa: node %d does not exist", node);
	/* a node without CPUs (memory-only) cannot run us: say so instead of failing later */
	cpus = numa_allocate_cpumask();
	if (!cpus)
		return -ENOMEM;
	if (numa_node_to_cpus(node, cpus) < 0 || numa_bitmask_weight(cpus) == 0)
		ret = lm_err(-EINVAL, "numa: node %d has no CPUs to run on", node);
	numa_free_cpumask(cpus);
	if (ret)
		return ret;
	if (numa_run_on_node(node) < 0)
		return lm_err(errno ? -errno : -EINVAL, "numa: run on node %d: %s", node,
			      strerror(errno));
	return 0;
}
