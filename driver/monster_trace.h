/* SPDX-License-Identifier: GPL-2.0 */
/*
 * monster_trace.h - one event per sweep: `trace-cmd record -e monster_sampler`.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM monster_sampler

#if !defined(_MONSTER_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MONSTER_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(sweep,
	TP_PROTO(u64 sweep, u32 tasks, u64 duration_ns, u64 dropped),
	TP_ARGS(sweep, tasks, duration_ns, dropped),
	TP_STRUCT__entry(
		__field(u64, sweep)
		__field(u32, tasks)
		__field(u64, duration_ns)
		__field(u64, dropped)
	),
	TP_fast_assign(
		__entry->sweep = sweep;
		__entry->tasks = tasks;
		__entry->duration_ns = duration_ns;
		__entry->dropped = dropped;
	),
	TP_printk("sweep=%llu tasks=%u duration_ns=%llu dropped=%llu",
		  __entry->sweep, __entry->tasks, __entry->duration_ns,
		  __entry->dropped)
);

#endif /* _MONSTER_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE monster_trace
#include <trace/define_trace.h>
