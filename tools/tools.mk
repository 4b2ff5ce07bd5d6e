# SPDX-License-Identifier: GPL-2.0
# The tools, each linked to liblmonster.so with RUNPATH $ORIGIN/../lib (so it runs from
# the build tree and from $(PREFIX)/bin alike), and a static build of each for the VM's
# bare initramfs (liblmonster and libc linked in; built on demand, not by `make`):
#
#   $(BUILD)/tools/monsterctl            monsterctl.static
#   $(BUILD)/tools/monster-gpu-consumer  monster-gpu-consumer.static (in the VM dlopen of
#                                        libcuda fails and the CPU path runs)
#
# TOOLS_DEFS_<tool>: the defines a build of <tool> needs (also for its sanitizer builds).

TOOLS_SRC_DIR       := $(TOP)/tools
TOOLS_DIR           := $(BUILD)/tools
TOOLS_HDRS          := $(TOOLS_SRC_DIR)/parse_num.h
MONSTERCTL          := $(TOOLS_DIR)/monsterctl
MONSTERCTL_STATIC   := $(TOOLS_DIR)/monsterctl.static
GPU_CONSUMER        := $(TOOLS_DIR)/monster-gpu-consumer
GPU_CONSUMER_STATIC := $(TOOLS_DIR)/monster-gpu-consumer.static
TOOLS_DEFS_monsterctl           = -DMONSTERCTL_VERSION='"$(VERSION)"'
TOOLS_DEFS_monster-gpu-consumer = -DMONSTER_VERSION='"$(VERSION)"'

USERSPACE_TARGETS += $(MONSTERCTL) $(GPU_CONSUMER)

$(MONSTERCTL) $(GPU_CONSUMER): $(TOOLS_DIR)/%: $(TOOLS_SRC_DIR)/%.c $(TOOLS_HDRS) \
			       $$(LIB_HDRS) $$(LIB_SO) $$(LIB_LINKS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(TOOLS_DEFS_$*) -o $@ $< $(LDFLAGS) -L$(LIB_DIR) -llmonster \
		-Wl,-rpath,'$$ORIGIN/../lib'

# glibc warns that dlopen (libcuda) and libnuma's getaddrinfo need its shared libraries at
# run time: expected, the VM has no libcuda and the CPU path runs
$(MONSTERCTL_STATIC) $(GPU_CONSUMER_STATIC): $(TOOLS_DIR)/%.static: $(TOOLS_SRC_DIR)/%.c \
					     $(TOOLS_HDRS) $$(LIB_HDRS) $$(LIB_A)
	@mkdir -p $(@D)
	@rm -f $@
	$(CC) $(ALL_CFLAGS) $(TOOLS_DEFS_$*) -static -o $@ $< $(LIB_A) $(LIB_LIBS) -pthread 2>&1 | \
		{ grep -v -e "requires at runtime the shared libraries" -e ": in function" || true; }
	@test -x $@

.PHONY: tools monsterctl-static gpu-consumer-static install-tools uninstall-tools
tools: $(MONSTERCTL) $(GPU_CONSUMER)
monsterctl-static: $(MONSTERCTL_STATIC)
gpu-consumer-static: $(GPU_CONSUMER_STATIC)

install: install-tools
uninstall: uninstall-tools

install-tools: $(MONSTERCTL) $(GPU_CONSUMER)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(MONSTERCTL) $(GPU_CONSUMER) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(TOOLS_SRC_DIR)/monsterctl.8 $(DESTDIR)$(MANDIR)/man8/monsterctl.8

uninstall-tools:
	rm -f $(DESTDIR)$(BINDIR)/monsterctl $(DESTDIR)$(BINDIR)/monster-gpu-consumer \
	      $(DESTDIR)$(MANDIR)/man8/monsterctl.8
