// SPDX-License-Identifier: GPL-2.0
/*
 * t_uapi.c - the inline functions of uapi/monster.h against references
 * written differently here: sharding by factoring, Hecke values with
 * 128-bit arithmetic, and the composition law T_p(T_q(x)) = T_{pq mod 71}(x).
 */
#include <string.h>

#include "unit.h"

static const unsigned int ref_primes[MONSTER_NR_RINGS] = {
	2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 41, 47, 59, 71
};

/*
 * The shard rule, derived another way: for m = combined mod 71 (< 71) the
 * first Monster prime dividing m is m's smallest prime factor when that is
 * a Monster prime; a non-Monster smallest factor (37, 43, ...) means m is
 * that prime itself (m < 71), so nothing divides: ring 14. m = 0 is
 * divisible by 2, m = 1 by nothing.
 */
static unsigned int ref_shard(uint64_t combined)
{
	unsigned int m = (unsigned int)(combined % 71), f, i;

	if (m == 0)
		return 0;
	if (m == 1)
		return MONSTER_NR_RINGS - 1;
	for (f = 2; m % f; f++)
		;
	for (i = 0; i < MONSTER_NR_RINGS; i++)
		if (ref_primes[i] == f)
			return i;
	return MONSTER_NR_RINGS - 1;
}

static unsigned int ref_hecke(uint64_t x, unsigned int p)
{
	return (unsigned int)((unsigned __int128)x * p % 71);
}

static uint64_t edge[] = {
	0, 1, 2, 70, 71, 72, 142, 143, 5041, 0xffffffffULL, 0x100000000ULL,
	0x7fffffffffffffffULL, 0x8000000000000000ULL, 0xfffffffffffffffeULL,
	0xffffffffffffffffULL,
};

static void test_uapi_primes(void)
{
	unsigned int i, j;

	for (i = 0; i < MONSTER_NR_RINGS; i++) {
		CHECK(monster_prime(i) == ref_primes[i], "monster_prime(%u) = %u, expected %u", i,
		      monster_prime(i), ref_primes[i]);
		for (j = 2; j * j <= ref_primes[i]; j++)
			CHECK(ref_primes[i] % j, "%u is not prime", ref_primes[i]);
	}
	CHECK(monster_prime(MONSTER_NR_RINGS) == 71, "out-of-range index maps to 71");
	PASSED("15 Monster primes 2..71 in ring order");
out:;
}

static void test_uapi_shard(void)
{
	unsigned long n = th_scale(2000000), i;
	unsigned int hist[MONSTER_NR_RINGS] = { 0 }, r;
	uint64_t c = 0;

	for (i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
		c = edge[i];
		CHECK(monster_shard(c) == ref_shard(c), "shard(%#llx) = %u, reference %u",
		      (unsigned long long)c, monster_shard(c), ref_shard(c));
	}
	for (c = 0; c < 71 * 3; c++)	/* every residue, three times */
		CHECK(monster_shard(c) == ref_shard(c), "shard(%llu) = %u, reference %u",
		      (unsigned long long)c, monster_shard(c), ref_shard(c));
	for (i = 0; i < n; i++) {
		c = th_mix(i);
		r = monster_shard(c);
		CHECK(r == ref_shard(c), "shard(%#llx) = %u, reference %u",
		      (unsigned long long)c, r, ref_shard(c));
		CHECK(monster_hecke(c, r) == ref_hecke(c, ref_primes[r]),
		      "hecke(%#llx, %u) = %u, reference %u", (unsigned long long)c, r,
		      monster_hecke(c, r), ref_hecke(c, ref_primes[r]));
		hist[r]++;
	}
	for (r = 0; r < MONSTER_NR_RINGS; r++)
		CHECK(hist[r], "ring %u never chosen in %lu values", r, n);
	/* monster_combined is the xor of the five fields */
	CHECK(monster_combined(1, 2, 4, 8, 16) == 31, "combined is the xor of its inputs");
	PASSED("%lu random + %zu edge + 213 residues match the factoring reference; all 15 rings hit",
	       n, sizeof(edge) / sizeof(edge[0]));
out:;
}

static void test_uapi_hecke_composition(void)
{
	unsigned long n = th_scale(20000), k;
	unsigned int i, j, checked = 0;

	for (k = 0; k < n + 71; k++) {
		/* all residues first, then random 64-bit values */
		uint64_t x = k < 71 ? k : th_mix(k);

		for (i = 0; i < MONSTER_NR_RINGS; i++) {
			unsigned int p = ref_primes[i];

			CHECK(monster_hecke_op(x, p) == ref_hecke(x, p), "T_%u(%#llx) = %u, reference %u",
			      p, (unsigned long long)x, monster_hecke_op(x, p), ref_hecke(x, p));
			for (j = 0; j < MONSTER_NR_RINGS; j++) {
				unsigned int q = ref_primes[j];
				unsigned int pq = (p * q) % 71;

				CHECK(monster_hecke_op(monster_hecke_op(x, q), p) ==
				      monster_hecke_op(x, pq),
				      "T_%u(T_%u(%#llx)) != T_%u(x)", p, q, (unsigned long long)x, pq);
				checked++;
			}
		}
	}
	/* T_71 annihilates: 71 = 0 mod 71 */
	CHECK(monster_hecke_op(12345, 71) == 0, "T_71 is the zero map");
	PASSED("T_p o T_q = T_{pq mod 71} for all 225 prime pairs on %lu values (%u checks)",
	       n + 71, checked);
out:;
}

const struct th_test uapi_tests[] = {
	{ "uapi_primes", test_uapi_primes },
	{ "uapi_shard", test_uapi_shard },
	{ "uapi_hecke_composition", test_uapi_hecke_composition },
	{ NULL, NULL },
};
