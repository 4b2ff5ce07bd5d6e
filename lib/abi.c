// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * abi.c - which drivers this library works with, and which of its calls a
 * given driver can answer. A driver (or ring-set file) of the library's
 * major opens whatever its minor; a call added after 1.0 is made only when
 * the driver's feature bit for it is set, else it fails with -EOPNOTSUPP
 * and a message naming the feature and both versions.
 */
#include <errno.h>

#include "lm_internal.h"

/* What open accepts: this major, from this minor on (0: every call of 1.0 is ungated). */
static const struct {
	__u32 major;
	__u32 minor_min;
} lm_abi_reads = { MONSTER_ABI_MAJOR, 0 };

/* The calls newer than ABI 1.0: their bit, the minor that added it, and words for it. */
static const struct lm_feature_info {
	__u64 bit;
	__u32 minor;
	const char *name;	/* as in MONSTER_FEAT_<NAME>, lower case */
	const char *what;
	const char *file_why;	/* why a ring-set file has none */
} lm_features[LM_NR_FEATURES] = {
	[LM_FEAT_SWEEP_HIST] = {
		MONSTER_FEAT_SWEEP_HIST, 1, "sweep_hist", "the sweep-duration histogram",
		"a file-backed ring set has no sweep timing (only " MONSTER_DEVICE_PATH " has)",
	},
	[LM_FEAT_CHANGED_ONLY] = {
		MONSTER_FEAT_CHANGED_ONLY, 2, "changed_only", "changed-only sweeps with keyframes",
		"a file-backed ring set has no sampler (only " MONSTER_DEVICE_PATH " has)",
	},
	[LM_FEAT_PARALLEL] = {
		MONSTER_FEAT_PARALLEL, 2, "parallel", "sweeps on several threads",
		"a file-backed ring set has no sampler (only " MONSTER_DEVICE_PATH " has)",
	},
	[LM_FEAT_EVENTS] = {
		MONSTER_FEAT_EVENTS, 3, "events",
		"record kinds (fork, exec, exit, fault and reclaim events) and their counts",
		"its producer kept no counts per kind (an older liblmonster wrote it)",
	},
};

int lm_abi_check(const struct monster_info *in, const char *name)
{
	if (in->abi_major == lm_abi_reads.major && in->abi_minor >= lm_abi_reads.minor_min)
		return 0;
	return lm_err_note(-EPROTO, "ABI mismatch: %s speaks monster ABI %u.%u, liblmonster %s "
			   "speaks ABI %u.%u (and opens %u.%u to %u.x): install a module and "
			   "liblmonster from the same release", name, in->abi_major, in->abi_minor,
			   lmonster_version(), MONSTER_ABI_MAJOR, MONSTER_ABI_MINOR,
			   lm_abi_reads.major, lm_abi_reads.minor_min, lm_abi_reads.major);
}

int lm_feature_require(const struct lmonster *h, enum lm_feature feat)
{
	const struct lm_feature_info *f = &lm_features[feat];
	const struct monster_info *in = &h->info;

	if (in->features & f->bit)
		return 0;
	if (lm_is_file(h))
		return lm_err_note(-EOPNOTSUPP, "this ring-set file (monster ABI %u.%u) does not "
				   "provide %s (feature %s, ABI %u.%u): %s", in->abi_major,
				   in->abi_minor, f->what, f->name, MONSTER_ABI_MAJOR, f->minor,
				   f->file_why);
	if (in->abi_minor < f->minor)
		return lm_err_note(-EOPNOTSUPP, "this driver (monster ABI %u.%u) does not provide "
				   "%s (feature %s, ABI %u.%u): load a newer monster module",
				   in->abi_major, in->abi_minor, f->what, f->name,
				   MONSTER_ABI_MAJOR, f->minor);
	return lm_err_note(-EOPNOTSUPP, "this driver (monster ABI %u.%u) does not offer %s "
			   "(feature %s, ABI %u.%u) now", in->abi_major, in->abi_minor, f->what,
			   f->name, MONSTER_ABI_MAJOR, f->minor);
}
