#!/usr/bin/env bash
# report.sh RAW: the markdown tables of a `make bench` run from its raw figures.
# RAW holds `BENCH <key> <value>` lines (one per run) and `BENCHINFO <key> <text>` lines;
# every figure is printed as the median of its runs with the spread (min-max). The
# layout lives in report.awk. `bash tests/bench/report.sh build/bench/raw-<date>.txt`
# re-makes the tables of an earlier run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C
[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: report.sh RAW-FILE" >&2; exit 2; }

{
	sed -n 's/^BENCHINFO /I /p' "$1"
	# per key: median, min, max, count (values sorted numerically within each key)
	awk '$1 == "BENCH" && NF == 3 { print $2, $3 }' "$1" | sort -k1,1 -k2,2g | awk '
		function flush(  med) {
			if (k == "")
				return
			med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
			print "S", k, med, v[1], v[n], n
		}
		$1 != k { flush(); k = $1; n = 0 }
		{ v[++n] = $2 + 0 }
		END { flush() }'
} | awk -f "$here/report.awk"
