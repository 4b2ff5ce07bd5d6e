// SPDX-License-Identifier: (LGPL-2.1 OR MIT)
/*
 * gpu_numa.c - NUMA placement for a GPU consumer: the ring pages' node
 * against the GPU's, a warning when they differ, and the calling thread
 * bound to the GPU's node (numa.c does the asking and binding).
 */
#include <errno.h>
#include <string.h>

#include "lm_internal.h"

LMONSTER_API int lmonster_numa_setup(struct lmonster *h, const struct lmonster_gpu *g, int bind,
				     struct lmonster_numa *out)
{
	struct lmonster_gpu_info gi;
	int target, ret;

	if (!h || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->available = lm_numa_ok();
	out->nodes = lm_numa_nodes();
	out->gpu_node = LMONSTER_NUMA_UNKNOWN;
	out->bound_node = LMONSTER_NUMA_UNKNOWN;
	ret = lmonster_numa_ring_node(h, &out->ring_node);
	if (ret)
		return ret;
	if (g && lmonster_gpu_info(g, &gi) == 0)
		out->gpu_node = gi.numa_node;
	out->mismatch = out->ring_node >= 0 && out->gpu_node >= 0 &&
			out->ring_node != out->gpu_node;
	if (out->mismatch)
		lm_log(LMONSTER_LOG_WARN, "numa: the ring pages are on node %d but the GPU is on "
		       "node %d: every record crosses the inter-socket link (load the module "
		       "with numa_node=%d)", out->ring_node, out->gpu_node, out->gpu_node);
	if (!bind)
		return 0;
	target = out->gpu_node >= 0 ? out->gpu_node : out->ring_node;
	if (target < 0 || out->nodes <= 1)
		return 0;	/* nothing to choose between */
	ret = lmonster_numa_bind(target);
	if (ret)
		return ret;
	out->bound_node = target;
	return 0;
}
