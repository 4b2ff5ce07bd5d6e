# SPDX-License-Identifier: GPL-2.0
# monster: top-level build. `make` builds the userspace parts (and the module where
# the running kernel has headers); `make demo` and `make check` do everything,
# set-up included.
#
# This file holds what every part shares (paths, compiler flags, the sanitizer flags,
# CUDA detection) and the module's rules; each directory's *.mk fragment owns its
# own targets. Fragments name another fragment's outputs in prerequisites as
# $$(NAME) (second expansion), so the order they are included in does not matter.

TOP      := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD    ?= $(TOP)/build
VERSION  := 0.3.0
KVER     ?= $(shell uname -r)
KDIR     ?= /lib/modules/$(KVER)/build
PREFIX   ?= /usr/local
DESTDIR  ?=
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
BINDIR       ?= $(PREFIX)/bin
MANDIR       ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CC       ?= cc
NVCC     ?= $(firstword $(wildcard /usr/local/cuda/bin/nvcc) $(shell command -v nvcc 2>/dev/null))

CSTD     := -std=c11 -D_GNU_SOURCE
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS   ?= -O2 -g
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -I$(TOP)/uapi -I$(TOP)/lib

# The sanitizer builds of the library and of the programs that test it: SAN_CFLAGS plus
# SAN_asan (ASan + UBSan, every report fatal) or SAN_tsan (ThreadSanitizer).
SAN_asan := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
SAN_tsan := -O1 -g -fsanitize=thread
SAN_CFLAGS = $(CSTD) $(WARN) -I$(TOP)/uapi -I$(TOP)/lib -pthread

# The one test harness every test and bench program links (tests/harness.h).
TEST_HARNESS   := $(TOP)/tests/harness.c
TEST_HARNESS_H := $(TOP)/tests/harness.h

# CUDA: nvcc plus the driver API header next to it (or in /usr/include). Without both,
# HAVE_CUDA is empty: no fatbin, and the library's GPU calls say "built without CUDA".
CUDA_H        := $(if $(NVCC),$(firstword $(wildcard $(dir $(realpath $(NVCC)))../include/cuda.h \
		   $(dir $(NVCC))../include/cuda.h /usr/include/cuda.h)))
CUDA_INCDIR   := $(if $(CUDA_H),$(abspath $(dir $(CUDA_H))))
HAVE_CUDA     := $(if $(and $(NVCC),$(CUDA_H)),1)
CUDA_CPPFLAGS := $(if $(HAVE_CUDA),-DLMONSTER_HAVE_CUDA=1 -isystem $(CUDA_INCDIR))

# Configuration stamps: rewritten only when what they record changed, so flipping a
# setting (nvcc installed, other flags) rebuilds exactly what depends on it.
#   $(call write_stamp,VARIABLE): $@ records the value of VARIABLE
write_stamp = @mkdir -p $(@D); echo '$($(1))' > $@.tmp; $(move_if_changed)
move_if_changed = if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi
CUDA_STAMP  := $(BUILD)/cuda.stamp
CUDA_CONFIG  = cuda=$(HAVE_CUDA) inc=$(CUDA_INCDIR)
$(CUDA_STAMP): config-force
	$(call write_stamp,CUDA_CONFIG)

.DEFAULT_GOAL := all
.SECONDEXPANSION:
USERSPACE_TARGETS :=

# The kernel module sources, copied per kernel so two kernels never share objects.
KMOD_SRC := Kbuild $(wildcard driver/*.c driver/*.h) uapi/monster.h

.PHONY: all userspace setup modules check check-stress check-debug demo clean install uninstall \
	dkms-install dkms-uninstall help config-force

all: userspace
	@if [ -d "$(KDIR)" ]; then $(MAKE) --no-print-directory modules; \
	else echo "monster: no kernel headers for $(KVER) ($(KDIR)); module not built (make modules KVER=...)"; fi

help:
	@echo "make            build library, tools (and module if kernel headers exist)"
	@echo "make demo       set up, build, boot the module in a VM and show it sampling"
	@echo "make check      set up and run every test; ends with 'N passed, M failed'"
	@echo "make bench      performance tables: sampler vs BPF and /proc, profile, modes, wake-ups"
	@echo "make check-stress  the VM suite with the long stress/fuzz runs (~35 min)"
	@echo "make check-debug   the VM suite on a lockdep + KASAN 6.12 kernel built from source"
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

# the VM suite on a 6.12 debug kernel (lockdep, KASAN, KFENCE, ...) built from Debian's
# linux-source-6.12 into build/kdebug, and rebuilt only when its inputs changed
check-debug:
	@bash $(TOP)/tests/setup.sh --debug
	@bash $(TOP)/tests/debug-kernel.sh

demo: setup
	@bash $(TOP)/tests/vm/demo.sh

DKMS_SRC := $(DESTDIR)/usr/src/monster-$(VERSION)
EXPORTER_UNIT := $(DESTDIR)/etc/systemd/system/monster-exporter.service
# the module, the udev rule and its group, the library and tools, monster-exporter.service
dkms-install: userspace
	@command -v dkms >/dev/null || { echo "dkms-install: dkms is not installed (apt-get install dkms)"; exit 1; }
	-dkms remove -m monster -v $(VERSION) --all >/dev/null 2>&1
	rm -rf $(DKMS_SRC) && mkdir -p $(DKMS_SRC)
	cp --parents $(KMOD_SRC) dkms.conf $(DKMS_SRC)/
	dkms add -m monster -v $(VERSION)
	dkms build -m monster -v $(VERSION) -k $(KVER)
	dkms install -m monster -v $(VERSION) -k $(KVER)
	install -D -m 0644 packaging/60-monster.rules $(DESTDIR)/etc/udev/rules.d/60-monster.rules
	install -D -m 0644 packaging/monster.sysusers $(DESTDIR)/etc/sysusers.d/monster.conf
	-systemd-sysusers $(DESTDIR)/etc/sysusers.d/monster.conf
	$(MAKE) --no-print-directory install
	@mkdir -p $(dir $(EXPORTER_UNIT))
	sed 's|/usr/local/bin/|$(BINDIR)/|' \
		packaging/monster-exporter.service >$(EXPORTER_UNIT)
	-systemctl daemon-reload
	@echo "monster $(VERSION) installed for $(KVER); load it with: modprobe monster"
	@echo "the exporter: systemctl enable --now monster-exporter"

dkms-uninstall:
	-dkms remove -m monster -v $(VERSION) --all
	rm -rf $(DKMS_SRC) $(DESTDIR)/etc/udev/rules.d/60-monster.rules $(EXPORTER_UNIT) \
	       $(DESTDIR)/etc/sysusers.d/monster.conf
	$(MAKE) --no-print-directory uninstall

clean:
	rm -rf $(BUILD)

config-force:

# each part's targets, in any order
include $(TOP)/lib/lib.mk
include $(TOP)/gpu/gpu.mk
include $(TOP)/tools/tools.mk
include $(TOP)/tests/tests.mk
include $(TOP)/tests/unit/unit.mk
include $(TOP)/tests/bench/bench.mk

userspace: $(USERSPACE_TARGETS)
