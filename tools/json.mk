# SPDX-License-Identifier: GPL-2.0
# The JSON writer every tool prints JSON through (tools/json_writer.h), and json-c under it
# (libjson-c-dev): compiled into each tool. Included by tools/tools.mk and gpu/gpu.mk.

ifndef JSON_MK_INCLUDED
JSON_MK_INCLUDED := 1

JSON_WRITER_SRCS := $(TOP)/tools/json_writer.c
JSON_WRITER_HDRS := $(TOP)/tools/json_writer.h
JSON_WRITER_LIBS := -ljson-c

endif
