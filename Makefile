# SPDX-License-Identifier: GPL-2.0
# monster: top-level build. `make` builds the userspace parts (and the module where
# the running kernel has headers); `make demo` and `make check` do everything,
# set-up included. Each part's rules live beside it in a *.mk file.

TOP      := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD    ?= $(TOP)/build
VERSION  := 0.2.0
KVER     ?= $(shell uname -r)
KDIR     ?= /lib/modules/$(KVER)/build
PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
NVCC     ?= $(firstword $(wildcard /usr/local/cuda/bin/nvcc) $(shell command -v nvcc 2>/dev/null))

CSTD     := -std=c11 -D_GNU_SOURCE
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS   ?= -O2 -g
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -I$(TOP)/uapi -I$(TOP)/lib

# The kernel module sources, copied per kernel so two kernels never share objects.
KMOD_SRC := Kbuild $(wildcard driver/*.c driver/*.h) uapi/monster.h

.PHONY: all setup modules check check-stress demo clean install uninstall dkms-install dkms-uninstall help

all: userspace
	@if [ -d "$(KDIR)" ]; then $(MAKE) --no-print-directory modules; \
	else echo "monster: no kernel headers for $(KVER) ($(KDIR)); module not built (make modules KVER=...)"; fi

help:
	@echo "make            build library, tools (and module if kernel headers exist)"
	@echo "make demo       set up, build, boot the module in a VM and show it sampling"
	@echo "make check      set up and run every test; ends with 'N passed, M failed'"
	@echo "make bench      performance tables: sampler vs /proc, drain rate, wake-up latency"
	@echo "make check-stress  the VM suite with the long stress/fuzz runs (~35 min)"
	@echo "make modules KVER=<kernel release>   build monster.ko for that kernel"
	@echo "sudo make dkms-install | dkms-uninstall   install the module with DKMS"
	@echo "make install PREFIX=... DESTDIR=...  install library, headers, tools"

setup:
	@bash $(TOP)/tests/setup.sh

# monster.ko for $(KVER), built in build/kmod/$(KVER); extra kbuild args in KBUILD_ARGS (W=1, C=2)
modules: $(BUILD)/kmod/$(KVER)/monster.ko

$(BUILD)/kmod/$(KVER)/monster.ko: $(KMOD_SRC)
	@mkdir -p $(BUILD)/kmod/$(KVER)
	@cp --parents $(KMOD_SRC) $(BUILD)/kmod/$(KVER)/
	$(MAKE) -C $(KDIR) M=$(BUILD)/kmod/$(KVER) $(KBUILD_ARGS) modules

check: setup
	@bash $(TOP)/tests/check.sh

# the VM suite with the stress/fuzz programs' long versions and the guest's SLUB/page
# poisoning on (6.1, 6.12, 6.12-rt: about 35 minutes)
check-stress: setup
	@MONSTER_STRESS=long MONSTER_CHECK_ONLY=vm bash $(TOP)/tests/check.sh

demo: setup
	@bash $(TOP)/tests/vm/demo.sh

DKMS_SRC := $(DESTDIR)/usr/src/monster-$(VERSION)
dkms-install:
	@command -v dkms >/dev/null || { echo "dkms-install: dkms is not installed (apt-get install dkms)"; exit 1; }
	-dkms remove -m monster -v $(VERSION) --all >/dev/null 2>&1
	rm -rf $(DKMS_SRC) && mkdir -p $(DKMS_SRC)
	cp --parents $(KMOD_SRC) dkms.conf $(DKMS_SRC)/
	dkms add -m monster -v $(VERSION)
	dkms build -m monster -v $(VERSION) -k $(KVER)
	dkms install -m monster -v $(VERSION) -k $(KVER)
	install -D -m 0644 packaging/60-monster.rules $(DESTDIR)/etc/udev/rules.d/60-monster.rules
	@echo "monster $(VERSION) installed for $(KVER); load it with: modprobe monster"

dkms-uninstall:
	-dkms remove -m monster -v $(VERSION) --all
	rm -rf $(DKMS_SRC) $(DESTDIR)/etc/udev/rules.d/60-monster.rules

clean:
	rm -rf $(BUILD)

# gpu.mk first: it adds the GPU objects (or their stubs) that lib.mk links in
-include $(TOP)/gpu/gpu.mk
-include $(TOP)/lib/lib.mk
-include $(TOP)/tools/tools.mk
-include $(TOP)/tests/tests.mk
-include $(TOP)/tests/bench/bench.mk

.PHONY: userspace
userspace: $(USERSPACE_TARGETS)
