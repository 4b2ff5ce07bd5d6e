# SPDX-License-Identifier: GPL-2.0
# The tools, each linked to liblmonster.so with RUNPATH $ORIGIN/../lib (so it runs from
# the build tree and from $(PREFIX)/bin alike), and a static build of each for the VM's
# bare initramfs (liblmonster and libc linked in; built on demand, not by `make`):
#
#   $(BUILD)/tools/monsterctl            monsterctl.static
#   $(BUILD)/tools/monster-gpu-consumer  monster-gpu-consumer.static (in the VM dlopen of
#                                        libcuda fails and the CPU path runs)
#   $(BUILD)/tools/monster-exporter      monster-exporter.vm: liblmonster linked in, the rest
#                                        shared (Debian's static libmicrohttpd needs all of
#                                        GnuTLS static); mkinitramfs.sh copies those libraries
#
# TOOLS_SRCS_<tool>, TOOLS_DEFS_<tool>, TOOLS_LIBS_<tool>: the sources, defines and extra
# libraries of <tool> (also for its sanitizer builds); JSON_LIBS: what the JSON writer
# (json_writer.c, over json-c) links.

TOOLS_SRC_DIR       := $(TOP)/tools
TOOLS_DIR           := $(BUILD)/tools
TOOLS_HDRS          := $(TOOLS_SRC_DIR)/parse_num.h $(TOOLS_SRC_DIR)/json_writer.h \
		       $(wildcard $(TOOLS_SRC_DIR)/monsterctl/*.h) \
		       $(wildcard $(TOOLS_SRC_DIR)/monster-exporter/*.h)
JSON_LIBS           := -ljson-c
MONSTERCTL          := $(TOOLS_DIR)/monsterctl
MONSTERCTL_STATIC   := $(TOOLS_DIR)/monsterctl.static
GPU_CONSUMER        := $(TOOLS_DIR)/monster-gpu-consumer
GPU_CONSUMER_STATIC := $(TOOLS_DIR)/monster-gpu-consumer.static
EXPORTER            := $(TOOLS_DIR)/monster-exporter
EXPORTER_VM         := $(TOOLS_DIR)/monster-exporter.vm
TOOLS_SRCS_monsterctl           := $(wildcard $(TOOLS_SRC_DIR)/monsterctl/*.c) \
				   $(TOOLS_SRC_DIR)/json_writer.c
TOOLS_SRCS_monster-gpu-consumer := $(TOOLS_SRC_DIR)/monster-gpu-consumer.c \
				   $(TOOLS_SRC_DIR)/json_writer.c
TOOLS_SRCS_monster-exporter     := $(wildcard $(TOOLS_SRC_DIR)/monster-exporter/*.c) \
				   $(TOOLS_SRC_DIR)/json_writer.c
TOOLS_DEFS_monsterctl           = -I$(TOOLS_SRC_DIR) -DMONSTERCTL_VERSION='"$(VERSION)"'
TOOLS_DEFS_monster-gpu-consumer = -I$(TOOLS_SRC_DIR) -I$(TOP)/gpu -DMONSTER_VERSION='"$(VERSION)"'
TOOLS_DEFS_monster-exporter     = -I$(TOOLS_SRC_DIR) -DMONSTER_VERSION='"$(VERSION)"'
TOOLS_LIBS_monster-exporter     := -lmicrohttpd -pthread

USERSPACE_TARGETS += $(MONSTERCTL) $(GPU_CONSUMER) $(EXPORTER)

$(MONSTERCTL) $(GPU_CONSUMER) $(EXPORTER): $(TOOLS_DIR)/%: $$(TOOLS_SRCS_$$*) $(TOOLS_HDRS) \
					   $$(LIB_HDRS) $$(LIB_SO) $$(LIB_LINKS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(TOOLS_DEFS_$*) -o $@ $(TOOLS_SRCS_$*) $(LDFLAGS) -L$(LIB_DIR) \
		-llmonster $(JSON_LIBS) $(TOOLS_LIBS_$*) -Wl,-rpath,'$$ORIGIN/../lib'

$(EXPORTER_VM): $$(TOOLS_SRCS_monster-exporter) $(TOOLS_HDRS) $$(LIB_HDRS) $$(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(TOOLS_DEFS_monster-exporter) -o $@ \
		$(TOOLS_SRCS_monster-exporter) $(LIB_A) $(LIB_LIBS) $(JSON_LIBS) \
		$(TOOLS_LIBS_monster-exporter)

# glibc warns that dlopen (libcuda) and libnuma's getaddrinfo need its shared libraries at
# run time: expected, the VM has no libcuda and the CPU path runs
$(MONSTERCTL_STATIC) $(GPU_CONSUMER_STATIC): $(TOOLS_DIR)/%.static: $$(TOOLS_SRCS_$$*) \
					     $(TOOLS_HDRS) $$(LIB_HDRS) $$(LIB_A)
	@mkdir -p $(@D)
	@rm -f $@
	$(CC) $(ALL_CFLAGS) $(TOOLS_DEFS_$*) -static -o $@ $(TOOLS_SRCS_$*) $(LIB_A) $(LIB_LIBS) \
		$(JSON_LIBS) -pthread 2>&1 | \
		{ grep -v -e "requires at runtime the shared libraries" -e ": in function" || true; }
	@test -x $@

.PHONY: tools monsterctl-static gpu-consumer-static exporter-vm install-tools uninstall-tools
tools: $(MONSTERCTL) $(GPU_CONSUMER) $(EXPORTER)
exporter-vm: $(EXPORTER_VM)
monsterctl-static: $(MONSTERCTL_STATIC)
gpu-consumer-static: $(GPU_CONSUMER_STATIC)

install: install-tools
uninstall: uninstall-tools

install-tools: $(MONSTERCTL) $(GPU_CONSUMER) $(EXPORTER)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(MONSTERCTL) $(GPU_CONSUMER) $(EXPORTER) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(TOOLS_SRC_DIR)/monsterctl.8 $(DESTDIR)$(MANDIR)/man8/monsterctl.8
	install -m 0644 $(TOOLS_SRC_DIR)/monster-exporter.8 \
		$(DESTDIR)$(MANDIR)/man8/monster-exporter.8

uninstall-tools:
	rm -f $(DESTDIR)$(BINDIR)/monsterctl $(DESTDIR)$(BINDIR)/monster-gpu-consumer \
	      $(DESTDIR)$(BINDIR)/monster-exporter $(DESTDIR)$(MANDIR)/man8/monsterctl.8 \
	      $(DESTDIR)$(MANDIR)/man8/monster-exporter.8
