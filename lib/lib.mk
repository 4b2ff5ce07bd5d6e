# SPDX-License-Identifier: GPL-2.0
# liblmonster: the shared library with a versioned soname, a static archive for
# statically linked programs, instrumented archives for the sanitizer builds of the
# tests, the pkg-config file, and the install/uninstall rules of the library and its
# headers.
#
#   $(BUILD)/lib/liblmonster.so.$(VERSION)   soname liblmonster.so.<major>
#   $(BUILD)/lib/liblmonster.so.<major>, liblmonster.so   symlinks
#   $(BUILD)/lib/liblmonster.a               same objects, for -static users (installed too:
#                                            pkg-config --static --libs lmonster)
#   $(BUILD)/{asan,tsan}/lib/liblmonster.a   LIB_A_asan, LIB_A_tsan: built with SAN_<san>
#   $(BUILD)/lib/lmonster.pc                 pkg-config for $(PREFIX)
# LIB_LIBS: what a static link of the archive needs after it.

LIB_SRC_DIR := $(TOP)/lib
LIB_DIR     := $(BUILD)/lib
LIB_MAJOR   := $(firstword $(subst ., ,$(VERSION)))
LIB_SONAME  := liblmonster.so.$(LIB_MAJOR)
LIB_SO      := $(LIB_DIR)/liblmonster.so.$(VERSION)
LIB_LINKS   := $(LIB_DIR)/$(LIB_SONAME) $(LIB_DIR)/liblmonster.so
LIB_A       := $(LIB_DIR)/liblmonster.a
LIB_A_asan  := $(BUILD)/asan/lib/liblmonster.a
LIB_A_tsan  := $(BUILD)/tsan/lib/liblmonster.a
LIB_PC      := $(LIB_DIR)/lmonster.pc
LIB_MAP     := $(LIB_SRC_DIR)/liblmonster.map
LIB_PUBLIC  := $(LIB_SRC_DIR)/lmonster.h $(LIB_SRC_DIR)/lmonster_gpu.h
# the one source list: the consumer core, batches (CPU path, spans, NUMA) and the GPU
# processor, which needs CUDA (else gpu_nocuda.c answers for it)
LIB_SRCS    := $(addprefix $(LIB_SRC_DIR)/,error.c abi.c handle.c open.c fileset.c ring.c \
		 wait.c control.c records.c span.c cpu_path.c numa.c gpu_numa.c gpu_error.c \
		 $(if $(HAVE_CUDA),cuda.c gpu.c,gpu_nocuda.c))
# the library includes gpu/'s per-record code and kernel parameter block
LIB_HDRS    := $(wildcard $(LIB_SRC_DIR)/*.h $(TOP)/gpu/*.h) $(TOP)/uapi/monster.h
LIB_LIBS    := -ldl -lnuma
LIB_OBJS    := $(patsubst $(LIB_SRC_DIR)/%.c,$(LIB_DIR)/obj/%.o,$(LIB_SRCS))
LIB_OBJS_asan := $(patsubst $(LIB_SRC_DIR)/%.c,$(BUILD)/asan/lib/obj/%.o,$(LIB_SRCS))
LIB_OBJS_tsan := $(patsubst $(LIB_SRC_DIR)/%.c,$(BUILD)/tsan/lib/obj/%.o,$(LIB_SRCS))
LIB_CPPFLAGS     = -DLMONSTER_BUILD -DLMONSTER_VERSION='"$(VERSION)"' -I$(TOP)/gpu $(CUDA_CPPFLAGS)
# -fvisibility=hidden plus LMONSTER_API and the version script: only lmonster_* is exported,
# and every name the script lists must exist
LIB_CFLAGS   = $(ALL_CFLAGS) -fPIC -fvisibility=hidden $(LIB_CPPFLAGS)
LIB_LDFLAGS  = -shared -Wl,-soname,$(LIB_SONAME) -Wl,--version-script,$(LIB_MAP) \
	       -Wl,--no-undefined-version -Wl,-z,defs -Wl,-z,relro -Wl,-z,now

USERSPACE_TARGETS += $(LIB_SO) $(LIB_LINKS) $(LIB_A) $(LIB_PC)

$(LIB_OBJS): $(LIB_DIR)/obj/%.o: $(LIB_SRC_DIR)/%.c $(LIB_HDRS) $(CUDA_STAMP)
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(LIB_OBJS_asan): $(BUILD)/asan/lib/obj/%.o: $(LIB_SRC_DIR)/%.c $(LIB_HDRS) $(CUDA_STAMP)
$(LIB_OBJS_tsan): $(BUILD)/tsan/lib/obj/%.o: $(LIB_SRC_DIR)/%.c $(LIB_HDRS) $(CUDA_STAMP)
$(LIB_OBJS_asan): LIB_SAN = $(SAN_asan)
$(LIB_OBJS_tsan): LIB_SAN = $(SAN_tsan)
$(LIB_OBJS_asan) $(LIB_OBJS_tsan):
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) $(LIB_SAN) $(LIB_CPPFLAGS) -c -o $@ $(filter %.c,$^)

# the embedded kernels (gpu/gpu.mk) go into every build of the library
$(LIB_SO) $(LIB_A) $(LIB_A_asan) $(LIB_A_tsan): $$(GPU_FATBIN_OBJ)

$(LIB_SO): $(LIB_OBJS) $(LIB_MAP)
	$(CC) $(CFLAGS) $(LDFLAGS) $(LIB_LDFLAGS) -o $@ $(LIB_OBJS) $(GPU_FATBIN_OBJ) $(LIB_LIBS)

$(LIB_DIR)/$(LIB_SONAME): $(LIB_SO)
	ln -sfn $(notdir $<) $@

$(LIB_DIR)/liblmonster.so: $(LIB_DIR)/$(LIB_SONAME)
	ln -sfn $(notdir $<) $@

$(LIB_A): $(LIB_OBJS)
$(LIB_A_asan): $(LIB_OBJS_asan)
$(LIB_A_tsan): $(LIB_OBJS_tsan)
$(LIB_A) $(LIB_A_asan) $(LIB_A_tsan):
	@rm -f $@
	$(AR) rcs $@ $^

# $(call lmonster_pc,template,output): libdir/includedir relative to ${prefix} when under it
lmonster_pc = sed -e 's|@PREFIX@|$(PREFIX)|' \
	-e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|' \
	-e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|' \
	-e 's|@VERSION@|$(VERSION)|' -e 's|@LIBS_PRIVATE@|$(strip $(LIB_LIBS))|' -e '/^Libs.private: *$$/d' $(1) > $(2)

# regenerated when PREFIX or VERSION change, untouched (no relink churn) otherwise
$(LIB_PC): $(LIB_SRC_DIR)/lmonster.pc.in config-force
	@mkdir -p $(@D)
	@$(call lmonster_pc,$<,$@.tmp); $(move_if_changed)

.PHONY: lib install-lib uninstall-lib
lib: $(LIB_SO) $(LIB_LINKS) $(LIB_A) $(LIB_PC)

install: install-lib
uninstall: uninstall-lib

install-lib: $(LIB_SO) $(LIB_A) $(LIB_PC)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/lmonster $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	install -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	ln -sfn $(notdir $(LIB_SO)) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sfn $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/liblmonster.so
	install -m 0644 $(LIB_PUBLIC) $(TOP)/uapi/monster.h $(DESTDIR)$(INCLUDEDIR)/lmonster/
	@$(call lmonster_pc,$(LIB_SRC_DIR)/lmonster.pc.in,$(DESTDIR)$(PKGCONFIGDIR)/lmonster.pc)
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

uninstall-lib:
	rm -f $(DESTDIR)$(LIBDIR)/$(notdir $(LIB_SO)) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME) \
	      $(DESTDIR)$(LIBDIR)/liblmonster.so $(DESTDIR)$(LIBDIR)/liblmonster.a \
	      $(DESTDIR)$(PKGCONFIGDIR)/lmonster.pc \
	      $(addprefix $(DESTDIR)$(INCLUDEDIR)/lmonster/,$(notdir $(LIB_PUBLIC)) monster.h)
	-rmdir $(DESTDIR)$(INCLUDEDIR)/lmonster 2>/dev/null
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi
