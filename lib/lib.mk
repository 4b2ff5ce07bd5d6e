# SPDX-License-Identifier: GPL-2.0
# liblmonster (included from the top Makefile): the shared library with a versioned
# soname, a static archive for statically linked test programs, the pkg-config file,
# and the install/uninstall rules (tools.mk adds its parts as prerequisites).
#
#   $(BUILD)/lib/liblmonster.so.$(VERSION)   soname liblmonster.so.<major>
#   $(BUILD)/lib/liblmonster.so.<major>, liblmonster.so   symlinks
#   $(BUILD)/lib/liblmonster.a               same objects, for -static users (installed too:
#                                            pkg-config --static --libs lmonster)
#   $(BUILD)/lib/lmonster.pc                 pkg-config for $(PREFIX)

LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
BINDIR       ?= $(PREFIX)/bin
MANDIR       ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

LIB_SRC_DIR := $(TOP)/lib
LIB_DIR     := $(BUILD)/lib
LIB_MAJOR   := $(firstword $(subst ., ,$(VERSION)))
LIB_SONAME  := liblmonster.so.$(LIB_MAJOR)
LIB_SO      := $(LIB_DIR)/liblmonster.so.$(VERSION)
LIB_LINKS   := $(LIB_DIR)/$(LIB_SONAME) $(LIB_DIR)/liblmonster.so
LIB_A       := $(LIB_DIR)/liblmonster.a
LIB_PC      := $(LIB_DIR)/lmonster.pc
LIB_SRCS    := $(wildcard $(LIB_SRC_DIR)/*.c)
LIB_HDRS    := $(wildcard $(LIB_SRC_DIR)/*.h) $(TOP)/uapi/monster.h
LIB_MAP     := $(LIB_SRC_DIR)/liblmonster.map
LIB_OBJS    := $(patsubst $(LIB_SRC_DIR)/%.c,$(LIB_DIR)/obj/%.o,$(LIB_SRCS))
# -fvisibility=hidden plus LMONSTER_API and the version script: only lmonster_* is exported
LIB_DEFS     = -DLMONSTER_BUILD -DLMONSTER_VERSION='"$(VERSION)"'
LIB_CFLAGS   = $(ALL_CFLAGS) -fPIC -fvisibility=hidden $(LIB_DEFS)
LIB_LDFLAGS  = -shared -Wl,-soname,$(LIB_SONAME) -Wl,--version-script,$(LIB_MAP) \
	       -Wl,-z,defs -Wl,-z,relro -Wl,-z,now
# Other parts (gpu/gpu.mk, included before this file) add objects and libraries:
#   LMONSTER_EXTRA_OBJS  PIC objects linked into liblmonster.so/.a
#   LMONSTER_EXTRA_LIBS  libraries they need (also Libs.private in lmonster.pc)
LIB_EXTRA   = $(LMONSTER_EXTRA_OBJS)
LIB_LIBS    = $(LMONSTER_EXTRA_LIBS)

USERSPACE_TARGETS += $(LIB_SO) $(LIB_LINKS) $(LIB_A) $(LIB_PC)

$(LIB_DIR)/obj/%.o: $(LIB_SRC_DIR)/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(LIB_SO): $(LIB_OBJS) $(LMONSTER_EXTRA_OBJS) $(LIB_MAP)
	$(CC) $(CFLAGS) $(LDFLAGS) $(LIB_LDFLAGS) -o $@ $(LIB_OBJS) $(LIB_EXTRA) $(LIB_LIBS)

$(LIB_DIR)/$(LIB_SONAME): $(LIB_SO)
	ln -sfn $(notdir $<) $@

$(LIB_DIR)/liblmonster.so: $(LIB_DIR)/$(LIB_SONAME)
	ln -sfn $(notdir $<) $@

$(LIB_A): $(LIB_OBJS) $(LMONSTER_EXTRA_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# $(call lmonster_pc,template,output): libdir/includedir relative to ${prefix} when under it
lmonster_pc = sed -e 's|@PREFIX@|$(PREFIX)|' \
	-e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|' \
	-e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|' \
	-e 's|@VERSION@|$(VERSION)|' -e 's|@LIBS_PRIVATE@|$(strip $(LIB_LIBS))|' -e '/^Libs.private: *$$/d' $(1) > $(2)

# regenerated when PREFIX or VERSION change, untouched (no relink churn) otherwise
$(LIB_PC): $(LIB_SRC_DIR)/lmonster.pc.in lmonster-pc-force
	@mkdir -p $(@D)
	@$(call lmonster_pc,$<,$@.tmp)
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; echo "  GEN     $@"; fi

.PHONY: lmonster-pc-force lib install-lib uninstall-lib
lmonster-pc-force:
lib: $(LIB_SO) $(LIB_LINKS) $(LIB_A) $(LIB_PC)

install: install-lib
uninstall: uninstall-lib

install-lib: $(LIB_SO) $(LIB_A) $(LIB_PC)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/lmonster $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	install -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	ln -sfn $(notdir $(LIB_SO)) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sfn $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/liblmonster.so
	install -m 0644 $(LIB_SRC_DIR)/lmonster.h $(TOP)/uapi/monster.h $(DESTDIR)$(INCLUDEDIR)/lmonster/
	@$(call lmonster_pc,$(LIB_SRC_DIR)/lmonster.pc.in,$(DESTDIR)$(PKGCONFIGDIR)/lmonster.pc)
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

uninstall-lib:
	rm -f $(DESTDIR)$(LIBDIR)/$(notdir $(LIB_SO)) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME) \
	      $(DESTDIR)$(LIBDIR)/liblmonster.so $(DESTDIR)$(LIBDIR)/liblmonster.a \
	      $(DESTDIR)$(PKGCONFIGDIR)/lmonster.pc \
	      $(DESTDIR)$(INCLUDEDIR)/lmonster/lmonster.h $(DESTDIR)$(INCLUDEDIR)/lmonster/monster.h
	-rmdir $(DESTDIR)$(INCLUDEDIR)/lmonster 2>/dev/null
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi
