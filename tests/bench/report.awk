# report.awk - the tables of `make bench` (POSIX awk; mawk is enough). Input, from
# report.sh:  "I <key> <text>"  facts about the run;
#             "S <key> <median> <min> <max> <n>"  one figure over its runs.
# Keys: native.n<N>.procscan.*, native.file{drain,stream,push}.*, native.mem{copy,read}.*,
#       vm.n<N>.kernel.r<HZ>.*, vm.n<N>.wake.*, vm.n<N>.procscan.*, vm.n<N>.spawn.*,
#       vm.n<N>.wakebase.{eventfd,futex}.*, vm.n<N>.bpf_{read,walk}.*, vm.n<N>.pair.kernel.*,
#       vm.n<N>.step<K>.kernel.*, vm.co.{full,changed}.kernel.*, vm.par.n<N>.t{1,2}.kernel.*,
#       vm.drain.*, vm.memcpy.*, vm.memread.*, vm.n<N>.clock_ns

$1 == "I" {
	k = $2
	$1 = ""; $2 = ""
	sub(/^ +/, "")
	# not info[k] = (k in info) ? ...: awks may create info[k] before testing it
	if (k in info)
		v = info[k] "\n" $0
	else
		v = $0
	info[k] = v
	next
}
$1 == "S" {
	k = $2
	med[k] = $3; lo[k] = $4; hi[k] = $5; cnt[k] = $6
	np = split(k, p, ".")
	if (np >= 4 && p[2] == "par" && p[3] ~ /^n[0-9]+$/) {
		t = substr(p[3], 2) + 0
		if (!(t in seen_pt)) { seen_pt[t] = 1; nptask++; ptask[nptask] = t }
	}
	if (np >= 3 && p[2] ~ /^n[0-9]+$/) {
		t = substr(p[2], 2) + 0
		if (!(t in seen_t)) { seen_t[t] = 1; ntask++; task[ntask] = t }
		if (p[3] == "kernel" && p[4] ~ /^r[0-9]+$/) {
			r = substr(p[4], 2) + 0
			if (!(r in seen_r)) { seen_r[r] = 1; nrate++; rate[nrate] = r }
		}
	}
	next
}

function isort(a, n,   i, j, x) {
	for (i = 2; i <= n; i++) {
		x = a[i]
		for (j = i - 1; j >= 1 && a[j] > x; j--)
			a[j + 1] = a[j]
		a[j + 1] = x
	}
}
function commas(s,   neg, out) {
	neg = ""
	if (substr(s, 1, 1) == "-") { neg = "-"; s = substr(s, 2) }
	out = ""
	while (length(s) > 3) {
		out = "," substr(s, length(s) - 2) out
		s = substr(s, 1, length(s) - 3)
	}
	return neg s out
}
function num(v,   a) {
	a = v < 0 ? -v : v
	if (a >= 100) return commas(sprintf("%.0f", v))
	if (a >= 10) return sprintf("%.1f", v)
	if (a >= 1) return sprintf("%.2f", v)
	if (a == 0) return "0"
	return sprintf("%.3f", v)
}
function has(k) { return (k in med) }
# "median (min–max)" scaled, or a dash
function fig(k, s) {
	if (!(k in med)) return "–"
	if (s == "") s = 1
	if (cnt[k] < 2 || lo[k] == hi[k]) return num(med[k] * s)
	return num(med[k] * s) " (" num(lo[k] * s) "–" num(hi[k] * s) ")"
}
function m(k) { return (k in med) ? med[k] : 0 }
function ratio(a, b) {
	if (!(a in med) || !(b in med) || med[b] == 0) return "–"
	return num(med[a] / med[b]) "×"
}
function first(k,   s) { s = info[k]; sub(/\n.*/, "", s); return s }
function verdict(r) {
	if (r > 1.3) return "superlinear: the per-task cost rose ×" num(r)
	if (r < 1 / 1.3) return "sublinear: the per-task cost fell ×" num(1 / r)
	return "linear (per-task cost ×" num(r) ")"
}

# Least squares over the sweeps at pre[1..n]: sweep µs = fit_icpt + fit_slope × tasks.
# Returns the points used (a fit needs 2).
function fit_sweep(pre, n,   i, b, x, y, k, sx, sy, sxx, sxy) {
	k = 0; sx = 0; sy = 0; sxx = 0; sxy = 0
	for (i = 1; i <= n; i++) {
		b = pre[i]
		if (!has(b ".sweep_us") || !has(b ".tasks"))
			continue
		x = m(b ".tasks"); y = m(b ".sweep_us")
		k++; sx += x; sy += y; sxx += x * x; sxy += x * y
	}
	if (k < 2 || k * sxx - sx * sx <= 0)
		return 0
	fit_slope = (k * sxy - sx * sy) / (k * sxx - sx * sx)
	fit_icpt = (sy - fit_slope * sx) / k
	return k
}

# One row of the drain table: <pre>.<what>.* against <pre>.memcpy and <pre>.memread.
function drain_row(where, pre, what, text,   d) {
	d = pre "." what
	if (!has(d ".gb_per_s"))
		return
	print "| " where " | " text " | " fig(d ".records") " | " fig(d ".rec_per_s", 1e-6) " | " \
	      fig(d ".gb_per_s") " | " fig(pre ".memcpy.gb_per_s") " | " ratio(d ".gb_per_s", pre ".memcpy.gb_per_s") \
	      " | " fig(pre ".memread.gb_per_s") " | " ratio(d ".gb_per_s", pre ".memread.gb_per_s") " |"
}

END {
	isort(task, ntask)
	isort(rate, nrate)
	isort(ptask, nptask)
	runs = first("run.runs")
	kv = first("vm.kernel")

	print "# monster benchmark (" first("run.date") ")"
	print ""
	print "Made by `" first("run.cmd") "` (" first("run.mode") ", " runs " runs per figure; " \
	      "each figure is the median of its runs with the spread, min–max, in brackets)."
	print ""
	print "- **VM**: Linux " kv " under qemu **software emulation** (TCG), " first("vm.cpus") \
	      " vCPUs, " first("vm.mem_mib") " MiB, clocksource " first("vm.clocksource") "."
	if ("native.cpu" in info)
		print "- **Native**: " first("native.cpu") ", " first("native.cpus") " CPUs, Linux " \
		      first("native.kernel") " (this host; the module cannot be loaded here)."
	print ""
	print "> Figures taken under software emulation compare **only as ratios within one run**"
	print "> (kernel against /proc, drain against memcpy, one task count against another)."
	print "> Emulation slows kinds of work by different factors (an ALU loop ~8×, a /proc read"
	print "> ~3×, timers and context switches far more), so its absolute numbers say nothing about"
	print "> real hardware, and figures from different runs or machines do not compare."

	# ---- 1 ----
	print ""
	print "## 1. Sweep cost per task: in-kernel sampler vs. a /proc scanner"
	print ""
	print "| live tasks | tasks per sweep | in-kernel ns/task (VM) | procscan ns/task (VM) | procscan / kernel | procscan ns/task (native) |"
	print "|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= ntask; i++) {
		t = task[i]; b = "vm.n" t
		print "| " commas(t) " | " (has(b ".kernel.r100.tasks") ? num(m(b ".kernel.r100.tasks")) : "–") \
		      " | " fig(b ".kernel.r100.ns_per_task") " | " fig(b ".procscan.ns_per_task") \
		      " | " ratio(b ".procscan.ns_per_task", b ".kernel.r100.ns_per_task") \
		      " | " fig("native.n" t ".procscan.ns_per_task") " |"
	}
	print "| published (native) | | BPF task iterator ≈ 300 | /proc walk ≈ 30,000 | ≈ 100× | |"
	print ""
	print "In-kernel: the driver's own sweep timing at 100 Hz, scope PROCESS, with a consumer releasing"
	print "every record (Σ sweep ns / records generated, from `MONSTER_IOC_GET_STATS`). procscan"
	print "(tests/bench/procscan.c): readdir(/proc), then one open+read+close of /proc/PID/stat, status"
	print "and schedstat per process, parsed, as top/htop/pidstat do; wall time per process, in the"
	print "same VM run. Published figures (grant.pizza, quoted in htop #1836) are native."
	last = task[ntask]
	if (has("native.n" last ".procscan.ns_per_task"))
		print "On this host natively procscan costs " num(m("native.n" last ".procscan.ns_per_task")) \
		      " ns per process at " commas(last) " processes (the published /proc walk: ~30,000)."

	# ---- 1b ----
	if (has("vm.n" task[1] ".bpf_read.ns_per_task")) {
		print ""
		print "## 1b. Sweep cost per task: in-kernel sampler vs. a BPF task iterator (VM, interleaved)"
		print ""
		print "| live tasks | in-kernel ns/task | BPF iter/task ns/task | BPF / kernel | BPF walk-only ns/task | walk-only / kernel |"
		print "|---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= ntask; i++) {
			t = task[i]; b = "vm.n" t
			print "| " commas(t) " | " fig(b ".pair.kernel.r100.ns_per_task") " | " fig(b ".bpf_read.ns_per_task") \
			      " | " ratio(b ".bpf_read.ns_per_task", b ".pair.kernel.r100.ns_per_task") \
			      " | " fig(b ".bpf_walk.ns_per_task") \
			      " | " ratio(b ".bpf_walk.ns_per_task", b ".pair.kernel.r100.ns_per_task") " |"
		}
		print ""
		print "The peer a user would write today (tests/bench/task_iter.bpf.c): an `iter/task` program,"
		print "CO-RE against the guest kernel's BTF, loaded with libbpf, that reads the record's fields"
		print "(identity, comm, RSS, times and counters, user registers) and writes a 192-byte record per"
		print "thread group into the iterator's seq_file; the reader reads it to the end (wall time"
		print "of one pass / records). Walk-only writes an empty record per task and reads nothing. The"
		print "runs alternate, one BPF pass, one sampler window, so that the host's load falls on both alike."
	}

	# ---- 1c ----
	pk = "vm.n" first("vm.profile_tasks")
	if (has(pk ".step7.kernel.r100.ns_per_task")) {
		split("no walk (the period alone)|walk: find each task|+ identity (pid, tgid, cpu, state, threads, start)|+ user registers|+ comm and RSS (task_lock)|+ times and counters (group seqlock, cputime_adjust)|+ shard and Hecke value|+ the record written into its ring", sname, "|")
		print ""
		print "## 1c. Where a sweep's time goes (VM, " commas(first("vm.profile_tasks")) " tasks, 100 Hz)"
		print ""
		print "| debugfs sweep_steps | what the sweep does | ns/task | this step ns/task | sweep µs | kthread µs per period outside the sweep |"
		print "|---:|---|---:|---:|---:|---:|"
		prev = 0
		for (k = 0; k <= 7; k++) {
			b = pk ".step" k ".kernel.r100"
			d = "–"
			if (k >= 1 && has(b ".ns_per_task")) {
				d = num(m(b ".ns_per_task") - prev)
				prev = m(b ".ns_per_task")
			}
			print "| " k " | " sname[k + 1] " | " fig(b ".ns_per_task") " | " d " | " fig(b ".sweep_us") \
			      " | " fig(b ".outside_us") " |"
		}
		print ""
		print "Each step adds one part of the per-task work (debugfs monster/sweep_steps; records are complete"
		print "only at 7, the default); \"this step\" is the difference of two medians, so small or negative"
		print "values are within the spread."
	}

	# ---- 2 ----
	print ""
	print "## 2. Sampler overhead (VM)"
	print ""
	print "| live tasks | rate (Hz) | sweep µs | CPU % (Σ sweep / wall) | CPU % (kthread schedstat) | CPU % (kthread stat ticks) | kthread µs per period outside the sweep | sweeps/s done | overruns/s |"
	print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= ntask; i++)
		for (j = 1; j <= nrate; j++) {
			t = task[i]; r = rate[j]; b = "vm.n" t ".kernel.r" r
			if (!has(b ".sweep_us"))
				continue
			print "| " commas(t) " | " commas(r) " | " fig(b ".sweep_us") " | " fig(b ".share_stats") " | " \
			      fig(b ".share_sched") " | " fig(b ".share_ticks") " | " fig(b ".outside_us") " | " \
			      fig(b ".sweeps_per_s") " | " fig(b ".overruns_per_s") " |"
		}
	print ""
	print "Σ sweep / wall comes from the driver's statistics (total_sweep_ns); the kthread columns read"
	print "the `monster-sampler` thread's /proc/PID/schedstat (ns on CPU) and /proc/PID/stat"
	print "utime+stime (clock ticks), so they also count what the thread does between sweeps: the"
	print "timer, the wake-up of consumers, the context switches (the column before last, per period)."
	print "An overrun is a period skipped because the sweep before it ran late."

	# ---- 2b ----
	if (has("vm.co.full.kernel.r10.sweep_us")) {
		print ""
		print "## 2b. Changed-only sweeps (VM, " commas(first("vm.co_tasks")) " processes, 10% running between two sweeps, 10 Hz)"
		print ""
		print "| mode | records per sweep | skipped as unchanged per sweep | sweep µs | CPU µs per sweep (kthreads) | CPU % | sweeps/s done |"
		print "|---|---:|---:|---:|---:|---:|---:|"
		split("full|changed", cm, "|")
		split("full sweeps (default)|changed_only=1 keyframe=10", cl, "|")
		for (j = 1; j <= 2; j++) {
			b = "vm.co." cm[j] ".kernel.r10"
			print "| " cl[j] " | " fig(b ".tasks") " | " fig(b ".unchanged") " | " fig(b ".sweep_us") " | " \
			      fig(b ".cpu_us") " | " fig(b ".share_sched") " | " fig(b ".sweeps_per_s") " |"
		}
		print ""
		print "Changed-only against full: records per sweep " ratio("vm.co.changed.kernel.r10.tasks", "vm.co.full.kernel.r10.tasks") \
		      ", CPU per sweep " ratio("vm.co.changed.kernel.r10.cpu_us", "vm.co.full.kernel.r10.cpu_us") \
		      ", sweep time " ratio("vm.co.changed.kernel.r10.sweep_us", "vm.co.full.kernel.r10.sweep_us") "."
		print "A tenth of the sleepers (tests/bench/spawn.c --active 10 --active-hz 10) wakes at 10 Hz and spins"
		print "briefly, the rest never runs; one sweep in 10 is a keyframe that writes everyone (one a second,"
		print "as the default keyframe 100 does at 100 Hz), so the records per sweep are about 10% + 1/10."
	}

	# ---- 2c ----
	if (nptask) {
		print ""
		print "## 2c. Parallel sweeps: one sweep thread against two (VM, 2 vCPUs, scope THREAD, 100 Hz asked)"
		print ""
		print "| live tasks | 1 thread: sweep ms | sweeps/s | CPU % | 2 threads: sweep ms | sweeps/s | CPU % | sweeps/s 2 / 1 | CPU per sweep 2 / 1 |"
		print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= nptask; i++) {
			t = ptask[i]; b1 = "vm.par.n" t ".t1.kernel.r100"; b2 = "vm.par.n" t ".t2.kernel.r100"
			print "| " commas(t) " | " fig(b1 ".sweep_us", 0.001) " | " fig(b1 ".sweeps_per_s") " | " fig(b1 ".share_sched") \
			      " | " fig(b2 ".sweep_us", 0.001) " | " fig(b2 ".sweeps_per_s") " | " fig(b2 ".share_sched") \
			      " | " ratio(b2 ".sweeps_per_s", b1 ".sweeps_per_s") " | " ratio(b2 ".cpu_us", b1 ".cpu_us") " |"
		}
		print ""
		for (j = 1; j <= 2; j++) {
			for (i = 1; i <= nptask; i++)
				pre[i] = "vm.par.n" ptask[i] ".t" j ".kernel.r100"
			if ((n = fit_sweep(pre, nptask))) {
				print "- " j " thread" (j > 1 ? "s" : "") ": sweep = " num(fit_icpt) " µs + " \
				      num(fit_slope * 1000) " ns per task (least squares over " n " counts)."
				pslope[j] = fit_slope
			}
		}
		if (pslope[1] > 0 && pslope[2] > 0)
			print "- Scaling law: the per-task slope falls ×" num(pslope[1] / pslope[2]) " from one thread to two;" \
			      " the period fits while fixed + slope × tasks < 10 ms."
		print "- Tasks are sleeping threads, 100 per process (spawn --threads 100); each thread is a record."
		print "  sweep_threads=1 against 2 (monsterctl set sweep_threads=N); the default, 0, takes as many"
		print "  threads as the period needs. CPU is the sampler's kthreads' schedstat (monster-sampler and"
		print "  monster-sweep/N) per wall time."
	}

	# ---- 3 ----
	print ""
	print "## 3. Ring drain rate (192-byte records, every byte read in place)"
	print ""
	print "| where | what | records per run | Mrec/s | GB/s | memcpy GB/s (same run) | drain / memcpy | read loop GB/s (same run) | drain / read loop |"
	print "|---|---|---:|---:|---:|---:|---:|---:|---:|"
	drain_row("native", "native", "filedrain", "file-backed ring set (memfd): full rings, filled by a producer thread, then drained")
	drain_row("native", "native", "filestream", "file-backed ring set: producer thread and consumer running at once (producer-bound)")
	drain_row("VM", "vm", "drain", "/dev/monster: rings filled by the sampler (" commas(first("vm.drain_tasks")) \
		  " tasks, " num(m("vm.drain.fill_pct")) "% full), sampler stopped, then drained")
	print ""
	print "The consumer is liblmonster: lmonster_ring_peek() on each ring, a sum over every 8-byte word"
	print "of the records where they lie, lmonster_ring_release() per contiguous run. memcpy copies the"
	print "same number of bytes between two private buffers (GB/s = bytes copied / time); the read loop"
	print "is the drain's own sum over a private buffer: the limit of a reader that touches every byte."
	if (has("native.filepush.rec_per_s"))
		print "The producer API fills empty rings at " fig("native.filepush.rec_per_s", 1e-6) " Mrec/s natively."

	# ---- 4 ----
	print ""
	print "## 4. Wake-up latency at 100 Hz (VM): end of a sweep → lmonster_wait() returns"
	print ""
	print "| live tasks | p50 µs | p99 µs | max µs | samples per run | eventfd p50 / p99 µs | futex p50 / p99 µs | p99 / eventfd p99 | p99 / futex p99 |"
	print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= ntask; i++) {
		t = task[i]; b = "vm.n" t
		if (!has(b ".wake.p50_us"))
			continue
		print "| " commas(t) " | " fig(b ".wake.p50_us") " | " fig(b ".wake.p99_us") " | " \
		      fig(b ".wake.max_us") " | " fig(b ".wake.samples") " | " \
		      fig(b ".wakebase.eventfd.p50_us") " / " fig(b ".wakebase.eventfd.p99_us") " | " \
		      fig(b ".wakebase.futex.p50_us") " / " fig(b ".wakebase.futex.p99_us") " | " \
		      ratio(b ".wake.p99_us", b ".wakebase.eventfd.p99_us") " | " \
		      ratio(b ".wake.p99_us", b ".wakebase.futex.p99_us") " |"
	}
	print ""
	print "The baselines (tests/bench/wakebase.c), in the same boot with the same tasks: a thread sleeping"
	print "to an absolute 100 Hz deadline, as the sampler's timer does, notes the time and wakes a second"
	print "thread blocked in poll() on an eventfd, or in FUTEX_WAIT; the figure is the time until it runs."
	print ""
	print "From `monster_shared_header.sweep_end_ns` (CLOCK_MONOTONIC when the sweep ended, published"
	print "before poll()ers are woken) to CLOCK_MONOTONIC right after lmonster_wait() returns, for each"
	print "sweep the consumer waited for with nothing ready; p50/p99 per run of " first("vm.lat_ms") "."
	if (has("vm.n" task[1] ".clock_ns"))
		print "One clock read costs " num(m("vm.n" task[1] ".clock_ns") / 1000) " µs in this VM (" \
		      first("vm.clocksource") "); each latency includes one."

	# ---- 5 ----
	print ""
	print "## 5. Scaling with the number of tasks (VM)"
	print ""
	print "| live tasks | kernel sweep µs | × sweep | kernel ns/task | procscan sweep ms | × sweep | procscan ns/task | wake-up p50 µs | wake-up p99 µs |"
	print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= ntask; i++) {
		t = task[i]; b = "vm.n" t
		xk = "–"; xp = "–"
		if (i > 1) {
			pb = "vm.n" task[i - 1]
			xk = ratio(b ".kernel.r100.sweep_us", pb ".kernel.r100.sweep_us")
			xp = ratio(b ".procscan.scan_ms", pb ".procscan.scan_ms")
		}
		print "| " commas(t) " | " fig(b ".kernel.r100.sweep_us") " | " xk " | " fig(b ".kernel.r100.ns_per_task") \
		      " | " fig(b ".procscan.scan_ms") " | " xp " | " fig(b ".procscan.ns_per_task") " | " \
		      fig(b ".wake.p50_us") " | " fig(b ".wake.p99_us") " |"
	}
	print ""
	for (i = 2; i <= ntask; i++) {
		b = "vm.n" task[i]; pb = "vm.n" task[i - 1]
		line = "- " commas(task[i - 1]) " → " commas(task[i]) " tasks:"
		if (m(pb ".kernel.r100.ns_per_task") > 0 && has(b ".kernel.r100.ns_per_task"))
			line = line " kernel " verdict(m(b ".kernel.r100.ns_per_task") / m(pb ".kernel.r100.ns_per_task")) ";"
		if (m(pb ".procscan.ns_per_task") > 0 && has(b ".procscan.ns_per_task"))
			line = line " procscan " verdict(m(b ".procscan.ns_per_task") / m(pb ".procscan.ns_per_task")) ";"
		if (m(pb ".wake.p50_us") > 0 && has(b ".wake.p50_us"))
			line = line " wake-up p50 ×" num(m(b ".wake.p50_us") / m(pb ".wake.p50_us")) \
			       ", p99 ×" num(m(b ".wake.p99_us") / m(pb ".wake.p99_us")) "."
		print line
	}
	for (i = 1; i <= ntask; i++)
		pre[i] = "vm.n" task[i] ".kernel.r100"
	if (fit_sweep(pre, ntask))
		print "- Least-squares fit of the kernel sweep: " num(fit_icpt) " µs per sweep + " \
		      num(fit_slope * 1000) " ns per task."
	for (i = 1; i <= ntask; i++) {
		b = "vm.n" task[i] ".kernel.r100"
		if (m(b ".overruns_per_s") >= 1)
			print "- At " commas(task[i]) " tasks the sweep (" num(m(b ".sweep_us") / 1000) " ms) does not" \
			      " always fit in the 10 ms period of 100 Hz: " num(m(b ".sweeps_per_s")) " sweeps/s, " \
			      num(m(b ".overruns_per_s")) " overruns/s, " num(m(b ".share_sched")) "% of a CPU; the" \
			      " wake-up figures of that row are taken at that rate."
	}
	print "- Linear means the per-task cost stays within ×1.3 from one count to the next; the wake-up"
	print "  latency should not depend on the task count at all (it is one wake-up per sweep)."

	# ---- 6 ----
	if (has("vm.ev.fork.off.fork.us_per_op") || has("vm.ev.fault.off.fault.ns_per_op")) {
		print ""
		print "## 6. Events: what the probes cost (VM)"
		print ""
		print "| workload | events per op | off | monster events on | bpftrace, same probes | monster slowdown | bpftrace slowdown | monster ns/event | bpftrace ns/event | bpftrace / monster (extra cost) |"
		print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		split("fork|fault", ew, "|")
		split("fork + exec + exit (µs per op)|fresh-page fault (ns per op)", el, "|")
		split("us_per_op|ns_per_op", eu, "|")
		split("3|1", en, "|")
		split("1000|1", es, "|")
		for (j = 1; j <= 2; j++) {
			w = ew[j]; off = "vm.ev." w ".off." w "." eu[j]
			mon = "vm.ev." w ".monster." w "." eu[j]; bt = "vm.ev." w ".bpftrace." w "." eu[j]
			rm = "vm.ev." w ".monster_over_off"; rb = "vm.ev." w ".bpftrace_over_off"
			if (!has(off))
				continue
			# the extra cost of an event: the paired slowdown over the off figure, per event
			xm = has(rm) ? (m(rm) - 1) * m(off) * es[j] / en[j] : ""
			xb = has(rb) ? (m(rb) - 1) * m(off) * es[j] / en[j] : ""
			print "| " el[j] " | " en[j] " | " fig(off) " | " fig(mon) " | " fig(bt) " | " \
			      (has(rm) ? fig(rm) "×" : "–") " | " (has(rb) ? fig(rb) "×" : "–") " | " \
			      (xm == "" ? "–" : num(xm)) " | " (xb == "" ? "–" : num(xb)) \
			      " | " ((xm != "" && xb != "" && xm > 0) ? num(xb / xm) "×" : "–") " |"
		}
		print ""
		print "evload (tests/bench/evload.c) forks a child that execs a 2-instruction static program and waits"
		print "for it (" first("vm.ev_ops") " per run), or maps 4,096 fresh anonymous pages (no huge pages),"
		print "writes one byte of each and unmaps them. Each round runs off, monster, bpftrace in turn, each"
		print "with the sampler at 100 Hz and a consumer (monbench events) that reads every record in place."
		print "Off: no events; monster: events=fork,exec,exit or events=fault; bpftrace: tests/bench/trace_fork.bt"
		print "and trace_fault.bt on the same tracepoints with the same fields, printed to a file"
		print "(" first("vm.bpftrace") "; attached before the run, " fig("vm.ev.fork.bpftrace.attach_s") " s to attach)."
		print "Slowdown: the median over the rounds of a run's time over the same round's off run; ns/event ="
		print "(slowdown − 1) × off time per op / events per op."
		for (j = 1; j <= 2; j++) {
			w = ew[j]
			if (has("vm.ev." w ".monster.events.produced"))
				print "- " w ": monster recorded " fig("vm.ev." w ".monster.events.produced") " events per run (" \
				      fig("vm.ev." w ".monster.events.dropped") " dropped)" \
				      (has("vm.ev." w ".bpftrace.lines") ? "; bpftrace printed " num(m("vm.ev." w ".bpftrace.lines")) \
				       " lines over all its runs and lost " num(m("vm.ev." w ".bpftrace.lost")) : "") "."
		}
	}

	# ---- notes ----
	print ""
	print "## Notes"
	print ""
	last = task[ntask]
	if (has("vm.n" last ".spawn.kib_per_proc"))
		print "- Tasks are tiny static sleeper processes (tests/bench/spawn.c) forked until /proc counts the" \
		      " target; in the VM each costs " num(m("vm.n" last ".spawn.kib_per_proc")) " KiB and a fork " \
		      num(m("vm.n" last ".spawn.fork_us") / 1000) " ms, so " commas(last) " need " first("vm.mem_req") \
		      " MiB of guest memory (run-vm.sh --mem; " num(m("vm.n" last ".spawn.mem_avail_mib")) \
		      " MiB were still available)."
	for (i = 1; i <= ntask; i++) {
		t = task[i]
		if (has("vm.n" t ".spawn.procs") && m("vm.n" t ".spawn.procs") < 0.9 * t)
			print "- Only " num(m("vm.n" t ".spawn.procs")) " of " commas(t) " processes could be started in the VM."
	}
	if ("spawn-short" in info)
		print "- " info["spawn-short"]
	if ("vm.check" in info) {
		s = info["vm.check"]
		gsub(/\n/, "; ", s)
		print "- VM harness: " s
	}
	if ("native.load" in info) {
		s = info["native.load"]
		gsub(/\n/, "; ", s)
		if ("native.load_vm" in info) {
			split(first("native.load_vm"), lv, " ")
			s = s "; while the VM ran, 1-min load " lv[1] "–" lv[2]
		}
		print "- Host load average (1, 5, 15 min) " s " on " first("native.cpus") " CPUs: the host's" \
		      " other work takes CPU time from the emulated CPUs, which shows up in the spreads" \
		      " (and most in the wake-up tails)."
	}
	if ("run.seconds" in info)
		print "- The whole run took " first("run.seconds") " s."
}
