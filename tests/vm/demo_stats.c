// SPDX-License-Identifier: GPL-2.0
/*
 * demo_stats - what `make demo` runs in the VM: samples for a few seconds through
 * /dev/monster and prints the per-ring statistics, then the newest record of a few
 * rings read straight from the read-only mapping. Talks to the device through
 * uapi/monster.h only (monsterctl takes this over later).
 *
 *   demo_stats [seconds] [rate_hz]      (default 3 s at the configured rate)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "monster.h"

static int xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	if (ioctl(fd, req, arg) == 0)
		return 0;
	fprintf(stderr, "demo_stats: %s: %s\n", what, strerror(errno));
	return -1;
}

static void show_records(int fd, const struct monster_info *info)
{
	const struct monster_headers *hdr;
	const unsigned char *base;
	unsigned int i, shown = 0;

	/* read-only and shared: the producer-written regions refuse anything else */
	base = mmap(NULL, info->map_size, PROT_READ, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		fprintf(stderr, "demo_stats: mmap: %s\n", strerror(errno));
		return;
	}
	hdr = (const struct monster_headers *)(base + info->headers_offset);
	printf("\nNewest record of each non-empty ring (from the mmap'd rings):\n");
	printf("%-6s %-7s %-16s %-2s %-3s %-18s %-18s %10s %5s %5s\n", "prime", "pid", "comm",
	       "st", "cpu", "rip", "rsp", "rss_kb", "shard", "hecke");
	for (i = 0; i < info->nr_rings && shown < 8; i++) {
		__u64 head = __atomic_load_n(&hdr->ring[i].head, __ATOMIC_ACQUIRE);
		const struct monster_sample *s;
		unsigned int st;

		if (head == 0)
			continue;
		s = (const struct monster_sample *)(base + info->data_offset + i * info->ring_bytes +
						    ((head - 1) & (info->ring_slots - 1)) *
							    info->record_size);
		st = s->state < sizeof(MONSTER_STATE_CHARS) - 1 ? s->state : 0;
		printf("%-6u %-7u %-16.16s %-2c %-3u 0x%016llx 0x%016llx %10llu %5u %5u\n",
		       info->primes[i], s->pid, s->comm, MONSTER_STATE_CHARS[st], s->cpu,
		       (unsigned long long)s->rip, (unsigned long long)s->rsp,
		       (unsigned long long)(s->mem_bytes / 1024), s->shard, s->hecke);
		shown++;
	}
	munmap((void *)base, info->map_size);
}

int main(int argc, char **argv)
{
	unsigned int secs = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 0) : 3;
	struct monster_config cfg;
	struct monster_stats st;
	struct monster_info info;
	unsigned long long total = 0;
	unsigned int i;
	int fd;

	fd = open(MONSTER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "demo_stats: open %s: %s\n", MONSTER_DEVICE_PATH, strerror(errno));
		return 1;
	}
	memset(&info, 0, sizeof(info));
	if (xioctl(fd, MONSTER_IOC_GET_INFO, &info, "GET_INFO"))
		return 1;
	if (argc > 2) {
		memset(&cfg, 0, sizeof(cfg));
		if (xioctl(fd, MONSTER_IOC_GET_CONFIG, &cfg, "GET_CONFIG"))
			return 1;
		cfg.rate_hz = (__u32)strtoul(argv[2], NULL, 0);
		if (xioctl(fd, MONSTER_IOC_SET_CONFIG, &cfg, "SET_CONFIG"))
			return 1;
	}
	if (xioctl(fd, MONSTER_IOC_START, NULL, "START"))
		return 1;
	printf("Sampling for %u s ...\n", secs);
	fflush(stdout);
	sleep(secs);
	if (xioctl(fd, MONSTER_IOC_STOP, NULL, "STOP"))
		return 1;
	memset(&st, 0, sizeof(st));
	if (xioctl(fd, MONSTER_IOC_GET_STATS, &st, "GET_STATS"))
		return 1;

	for (i = 0; i < MONSTER_NR_RINGS; i++)
		total += st.ring[i].produced;
	printf("\n=== Monster Process Sampler Statistics ===\n");
	printf("Total samples: %llu\n", total);
	for (i = 0; i < MONSTER_NR_RINGS; i++)
		printf("Prime %2u (shard %2u): %llu samples, ring: %llu/%u\n", st.ring[i].prime, i,
		       (unsigned long long)st.ring[i].produced,
		       (unsigned long long)st.ring[i].fill, st.ring[i].slots);
	printf("Sweeps: %llu at %u Hz, %llu tasks in the last sweep, sweep time last/max %llu/%llu us,"
	       " overruns %llu\n",
	       (unsigned long long)st.sweeps, st.rate_hz, (unsigned long long)st.last_sweep_tasks,
	       (unsigned long long)st.last_sweep_ns / 1000,
	       (unsigned long long)st.max_sweep_ns / 1000, (unsigned long long)st.overruns);

	show_records(fd, &info);
	close(fd);
	return 0;
}
