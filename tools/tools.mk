# SPDX-License-Identifier: GPL-2.0
# monsterctl (included from the top Makefile, after lib/lib.mk).
#   $(BUILD)/tools/monsterctl          linked to liblmonster.so (RUNPATH $ORIGIN/../lib, so it
#                                      runs from the build tree and from $(PREFIX)/bin alike)
#   $(BUILD)/tools/monsterctl.static   liblmonster and libc linked in, for the VM's bare
#                                      initramfs (built on demand, not by `make`)

TOOLS_SRC_DIR     := $(TOP)/tools
TOOLS_DIR         := $(BUILD)/tools
MONSTERCTL        := $(TOOLS_DIR)/monsterctl
MONSTERCTL_STATIC := $(TOOLS_DIR)/monsterctl.static
MONSTERCTL_DEFS    = -DMONSTERCTL_VERSION='"$(VERSION)"'
# tools/json.mk: JSON_WRITER_SRCS, JSON_WRITER_HDRS, JSON_WRITER_LIBS
include $(TOOLS_SRC_DIR)/json.mk
MONSTERCTL_SRCS   := $(wildcard $(TOOLS_SRC_DIR)/monsterctl/*.c) $(JSON_WRITER_SRCS)
MONSTERCTL_HDRS   := $(wildcard $(TOOLS_SRC_DIR)/monsterctl/*.h) $(JSON_WRITER_HDRS) \
		     $(TOOLS_SRC_DIR)/parse_num.h
MONSTERCTL_CFLAGS  = $(ALL_CFLAGS) -I$(TOOLS_SRC_DIR) $(MONSTERCTL_DEFS)

USERSPACE_TARGETS += $(MONSTERCTL)

$(MONSTERCTL): $(MONSTERCTL_SRCS) $(MONSTERCTL_HDRS) $(LIB_HDRS) $(LIB_SO) $(LIB_LINKS)
	@mkdir -p $(@D)
	$(CC) $(MONSTERCTL_CFLAGS) -o $@ $(MONSTERCTL_SRCS) $(LDFLAGS) -L$(LIB_DIR) -llmonster \
		$(JSON_WRITER_LIBS) -Wl,-rpath,'$$ORIGIN/../lib'

$(MONSTERCTL_STATIC): $(MONSTERCTL_SRCS) $(MONSTERCTL_HDRS) $(LIB_HDRS) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(MONSTERCTL_CFLAGS) -static -o $@ $(MONSTERCTL_SRCS) $(LIB_A) \
		$(LMONSTER_EXTRA_LIBS) $(JSON_WRITER_LIBS)

.PHONY: tools monsterctl-static install-tools uninstall-tools
tools: $(MONSTERCTL)
monsterctl-static: $(MONSTERCTL_STATIC)

install: install-tools
uninstall: uninstall-tools

install-tools: $(MONSTERCTL)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(MONSTERCTL) $(DESTDIR)$(BINDIR)/monsterctl
	install -m 0644 $(TOOLS_SRC_DIR)/monsterctl.8 $(DESTDIR)$(MANDIR)/man8/monsterctl.8

uninstall-tools:
	rm -f $(DESTDIR)$(BINDIR)/monsterctl $(DESTDIR)$(MANDIR)/man8/monsterctl.8

# the native unit tests need MONSTERCTL; tests/tests.mk may include this too (guarded)
-include $(TOP)/tests/unit/unit.mk
