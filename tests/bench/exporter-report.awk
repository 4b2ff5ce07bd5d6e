# SPDX-License-Identifier: GPL-2.0
# The table of `make bench-exporter` from its raw BENCH lines (tests/bench/exporter.sh):
# per task count, the median scrape latency and the CPU per second of monster-exporter and
# process-exporter, their ratios, and the sampler's kernel threads beside them.
#   BENCH vm.n<N>.<monster|procexp>.scrape_ms V   one per scrape
#   BENCH vm.n<N>.<name>.cpu_per_s V              one per process (kernel<pid>: the sampler's)
function median(key,    n, i, j, t, a) {
	n = split(vals[key], a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	if (!n)
		return ""
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function ratio(a, b) { return (a != "" && b != "" && b + 0 > 0) ? sprintf("%.3g", a / b) : "-" }
function fmt(v, f) { return v == "" ? "-" : sprintf(f, v) }
$1 == "BENCHINFO" { k = $2; $1 = $2 = ""; sub(/^ +/, ""); info[k] = $0; next }
$1 == "BENCH" {
	vals[$2] = vals[$2] (vals[$2] == "" ? "" : " ") $3
	split($2, p, ".")
	n = substr(p[2], 2)
	if (!(n in seen)) { seen[n] = 1; order[++norder] = n }
	if (p[3] ~ /^kernel/ && p[4] == "cpu_per_s") {
		kernel[n] += $3
		kernel_seen[n] = 1
	}
	if (p[4] == "scrape_ms")
		count[n "." p[3]]++
}
END {
	print "## monster-exporter beside process-exporter"
	print ""
	printf "Same VM run (%s, %s CPUs), same tasks (sleeping processes sampled at 100 Hz), both ",
		info["vm.kernel"], info["vm.cpus"]
	printf "scraped every %s ms for %s s; median of the scrapes (their number in brackets). ",
		info["exporter.interval_ms"], info["exporter.seconds"]
	printf "CPU/s: CPU-seconds the process used per second of the window (utime + stime). "
	print "Ratio: process-exporter / monster-exporter (above 1: monster-exporter costs less)."
	print ""
	printf "| tasks | scrape ms, monster-exporter | scrape ms, process-exporter | ratio | "
	printf "CPU/s monster-exporter | CPU/s process-exporter | ratio | "
	print "CPU/s monster-exporter + sampler kthreads | ratio |"
	print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= norder; i++) {
		n = order[i]
		ms = median("vm.n" n ".monster.scrape_ms")
		pms = median("vm.n" n ".procexp.scrape_ms")
		cpu = median("vm.n" n ".monster.cpu_per_s")
		pcpu = median("vm.n" n ".procexp.cpu_per_s")
		all = (cpu != "" && (n in kernel_seen)) ? cpu + kernel[n] : ""
		printf "| %s | %s (%d) | %s (%d) | %s | %s | %s | %s | %s | %s |\n", n,
			fmt(ms, "%.2f"), count[n ".monster"], fmt(pms, "%.2f"), count[n ".procexp"],
			ratio(pms, ms), fmt(cpu, "%.3f"), fmt(pcpu, "%.3f"), ratio(pcpu, cpu),
			fmt(all, "%.3f"), ratio(pcpu, all)
	}
	print ""
	print "The sampler's kernel threads (monster-sampler, monster-sweep/N) sample at 100 Hz"
	print "whether or not anyone scrapes, and monster-exporter folds every record in as it"
	print "arrives; process-exporter reads /proc only when scraped (run with"
	print "-gather-smaps=false -threads=false: the metrics both give, grouped by comm)."
	print ""
	for (k in info)
		keys[++nk] = k
	for (i = 2; i <= nk; i++)
		for (j = i; j > 1 && keys[j - 1] > keys[j]; j--) {
			t = keys[j]; keys[j] = keys[j - 1]; keys[j - 1] = t
		}
	for (i = 1; i <= nk; i++)
		printf "- %s: %s\n", keys[i], info[keys[i]]
}
