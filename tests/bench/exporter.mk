# SPDX-License-Identifier: GPL-2.0
# `make bench-exporter` (tests/bench/exporter.sh): monster-exporter beside process-exporter
# in one VM run, 1,000 and 10,000 tasks at 100 Hz, scraped at the same interval: scrape
# latency and CPU per second, as ratios. Asserts nothing; not part of `make check`.
#   $(BUILD)/bench/bin/scrape   scrapes HTTP exporters, times them, reads their CPU time

$(BENCH_BIN)/scrape: $(BENCH_DIR)/scrape.c $(BENCH_SHARED) $(BENCH_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BENCH_SHARED) -static

.PHONY: bench-exporter
bench-exporter: setup $(BENCH_BIN)/spawn $(BENCH_BIN)/scrape
	@BUILD=$(BUILD) BENCH_KVER=$(BENCH_KVER) bash $(BENCH_DIR)/exporter.sh
