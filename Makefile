# Builds and installs libordinance, the C ABI of ordinance: the shared
# library (soname libordinance.so.<ABI major>), the static library,
# include/ordinance.h and ordinance.pc for pkg-config.
#
#   make                                  # cargo build -p ordinance-ffi --release
#   make install PREFIX=/usr/local        # also DESTDIR=, LIBDIR=, INCLUDEDIR=
#   make uninstall PREFIX=/usr/local
#   make c-test                           # tests/c/run.sh: C and C# clients, valgrind
#
# See docs/c-abi.md.

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR ?=
CARGO ?= cargo
PROFILE ?= release
CARGO_TARGET_DIR ?= target

# The crate version (shared by the workspace) and the ABI major version,
# each read from the one place it is written.
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
ABI := $(shell sed -n 's/^pub const ORD_ABI_VERSION: u32 = \([0-9][0-9]*\);/\1/p' ffi/src/abi_version.rs)
SONAME := libordinance.so.$(ABI)
BUILD_DIR := $(CARGO_TARGET_DIR)/$(if $(filter dev,$(PROFILE)),debug,$(PROFILE))

.PHONY: all build install uninstall c-test

all: build

build:
	$(CARGO) build -p ordinance-ffi --profile $(PROFILE)

install: build
	@test -n "$(ABI)" || { echo "cannot read ORD_ABI_VERSION from ffi/src/abi_version.rs" >&2; exit 1; }
	install -d "$(DESTDIR)$(LIBDIR)" "$(DESTDIR)$(INCLUDEDIR)" "$(DESTDIR)$(PKGCONFIGDIR)"
	install -m 0755 "$(BUILD_DIR)/libordinance.so" "$(DESTDIR)$(LIBDIR)/$(SONAME)"
	ln -sf "$(SONAME)" "$(DESTDIR)$(LIBDIR)/libordinance.so"
	install -m 0644 "$(BUILD_DIR)/libordinance.a" "$(DESTDIR)$(LIBDIR)/libordinance.a"
	install -m 0644 include/ordinance.h "$(DESTDIR)$(INCLUDEDIR)/ordinance.h"
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    ffi/ordinance.pc.in > "$(DESTDIR)$(PKGCONFIGDIR)/ordinance.pc"

uninstall:
	rm -f "$(DESTDIR)$(LIBDIR)/$(SONAME)" "$(DESTDIR)$(LIBDIR)/libordinance.so" \
	      "$(DESTDIR)$(LIBDIR)/libordinance.a" "$(DESTDIR)$(INCLUDEDIR)/ordinance.h" \
	      "$(DESTDIR)$(PKGCONFIGDIR)/ordinance.pc"

c-test:
	bash tests/c/run.sh
