// SPDX-License-Identifier: GPL-2.0
/*
 * example_consumer.c - the smallest useful liblmonster program, built the
 * way a user builds one:
 *
 *     cc example_consumer.c $(pkg-config --cflags --libs lmonster)
 *
 * usage: example_consumer [PATH [MIN_RECORDS [TIMEOUT_MS]]]
 * Consumes records from the device (or a ring-set file) until MIN_RECORDS
 * (default 1) have arrived, checking each record's shard and Hecke value
 * against the uapi functions (monster_record_combined(): samples and events
 * alike). Exit 0 if enough arrived and all were right.
 */
#include <stdio.h>
#include <stdlib.h>

#include <lmonster.h>

struct count {
	unsigned long records, bad;
	unsigned long per_ring[MONSTER_NR_RINGS];
};

static int on_record(unsigned int ring, const struct monster_sample *s, void *arg)
{
	struct count *c = arg;
	__u64 combined = monster_record_combined(s);

	if (s->shard != ring || monster_shard(combined) != ring ||
	    s->hecke != monster_hecke(combined, ring))
		c->bad++;
	c->records++;
	c->per_ring[ring]++;
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 && *argv[1] ? argv[1] : NULL;
	unsigned long min = argc > 2 ? strtoul(argv[2], NULL, 10) : 1;
	int timeout = argc > 3 ? atoi(argv[3]) : 5000;
	struct count c = { 0, 0, { 0 } };
	struct lmonster *h;
	unsigned int r, rings = 0;
	int err;

	err = lmonster_open(path, 0, &h);
	if (err) {
		fprintf(stderr, "example_consumer: %s\n", lmonster_strerror(err));
		return 1;
	}
	while (c.records < min) {
		err = lmonster_wait(h, timeout);
		if (err)
			break;
		err = lmonster_for_each(h, on_record, &c, 0);
		if (err < 0)
			break;
		err = 0;
	}
	lmonster_close(h);
	for (r = 0; r < MONSTER_NR_RINGS; r++)
		rings += c.per_ring[r] != 0;
	printf("example_consumer: %lu records from %u rings, %lu with a wrong shard or Hecke value\n",
	       c.records, rings, c.bad);
	if (err)
		fprintf(stderr, "example_consumer: %s\n", lmonster_strerror(err));
	return err || c.bad || c.records < min ? 1 : 0;
}
