# SPDX-License-Identifier: MIT
# A thin driver over CMake. `make test` is what CI runs.
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
PREFIX     ?= /usr/local
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

# The other compiler of gcc and clang than the one CC names (cc, gcc on
# Debian, if unset): make test builds and runs the suite with it too, in a
# build of its own.
ifeq ($(shell $(CC) --version 2>/dev/null | grep -c clang),0)
OTHER_CC  ?= clang
OTHER_CXX ?= clang++
else
OTHER_CC  ?= gcc
OTHER_CXX ?= g++
endif
OTHER_BUILD ?= build-$(OTHER_CC)

.PHONY: all configure test test-fast test-asan test-other test-other-build \
	tsan demo bench torture fuzz fuzz-build fuzz-seeds abi-baseline install deb \
	deb-test clean

all: configure
	cmake --build $(BUILD) -j$(JOBS)

configure:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null

# Builds DIR (and only TARGETS, if given) saying one line; the build's
# output, the compiler's messages with it, only if it fails.
#   $(call quiet_build,DIR[,TARGETS])
define quiet_build
	@echo "building $(1)$(if $(2), ($(strip $(2))))"
	@cmake --build $(1) -j$(JOBS) $(if $(2),--target $(2)) >$(1)/build.log 2>&1 || \
	  { cat $(1)/build.log; echo "the build in $(1) failed"; exit 1; }
endef

# Runs ctest in the current directory with the arguments given, then lists
# the cases it skipped and why. TEST_JOBS tests run at once (most of them
# wait on other processes more than they compute).
TEST_JOBS ?= 2
CTEST = sh $(CURDIR)/tests/ctest.sh -j$(TEST_JOBS)

# The whole suite, then the same tests under AddressSanitizer + UBSan, then
# built by the other compiler.
test: test-fast test-asan test-other

test-fast: configure
	$(call quiet_build,$(BUILD))
	cd $(BUILD) && $(CTEST)

test-asan:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSHMAP_SANITIZE=ON $(CMAKE_ARGS) >/dev/null
	$(call quiet_build,$(ASAN_BUILD))
	cd $(ASAN_BUILD) && SHMAP_TEST_SMALL=1 \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(CTEST)

# Without the other compiler this says so and passes. The fuzz targets'
# short runs are left out: they are built by clang whatever CC is, and ran
# in $(BUILD).
test-other:
	@if command -v $(OTHER_CC) >/dev/null && command -v $(OTHER_CXX) >/dev/null; then \
	  $(MAKE) --no-print-directory test-other-build; \
	else \
	  echo "$(OTHER_CC) or $(OTHER_CXX) not found: the suite is not built with a second compiler"; \
	fi

test-other-build:
	CC=$(OTHER_CC) CXX=$(OTHER_CXX) cmake -S . -B $(OTHER_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
	$(call quiet_build,$(OTHER_BUILD))
	cd $(OTHER_BUILD) && $(CTEST) -E '^fuzz_.*_short$$'

tsan:
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSHMAP_TSAN=ON $(CMAKE_ARGS) >/dev/null
	cmake --build $(TSAN_BUILD) -j$(JOBS)
	cd $(TSAN_BUILD) && SHMAP_TEST_SMALL=1 ctest --output-on-failure

demo: configure
	$(call quiet_build,$(BUILD),demo_writer demo_reader)
	@$(BUILD)/examples/demo_writer

bench: all
	@bench/run.sh $(BUILD)

# Random operations in many processes under random SIGKILLs (tests/torture).
# TORTURE_SANITIZE=1 builds it with AddressSanitizer + UBSan. Empty settings
# take the program's defaults (2 x CPUs processes, 25 kills/s, random seed).
TORTURE_SECONDS   ?= 600
TORTURE_PROCS     ?=
TORTURE_KILL_RATE ?=
TORTURE_SEED      ?=
TORTURE_SANITIZE  ?= 0
TORTURE_BUILD = $(if $(filter 1,$(TORTURE_SANITIZE)),$(ASAN_BUILD),$(BUILD))

torture:
ifeq ($(TORTURE_SANITIZE),1)
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSHMAP_SANITIZE=ON $(CMAKE_ARGS) >/dev/null
else
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
endif
	cmake --build $(TORTURE_BUILD) -j$(JOBS) --target torture
	TORTURE_SECONDS='$(TORTURE_SECONDS)' TORTURE_PROCS='$(TORTURE_PROCS)' \
	  TORTURE_KILL_RATE='$(TORTURE_KILL_RATE)' TORTURE_SEED='$(TORTURE_SEED)' \
	  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(TORTURE_BUILD)/tests/torture/torture

# libFuzzer targets (fuzz/), built with clang in their own directory. Each
# of FUZZ_TARGETS runs FUZZ_SECONDS after replaying its seed corpus; new
# inputs are kept in $(FUZZ_BUILD)/corpus, crashes in $(FUZZ_BUILD)/crashes.
FUZZ_BUILD      ?= build-fuzz
FUZZ_SECONDS    ?= 300
FUZZ_TARGETS    ?= fuzz_hdr fuzz_sync fuzz_name fuzz_handles fuzz_chan
FUZZ_KNOWN_BUGS ?= $(CURDIR)/fuzz/known-bugs

fuzz-build:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DSHMAP_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_targets

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  if [ ! -x $(FUZZ_BUILD)/fuzz/$$t ]; then echo "$$t: not built in this tree, skipped"; continue; fi; \
	  echo "== $$t, $(FUZZ_SECONDS) s"; \
	  sh fuzz/run.sh $(FUZZ_BUILD)/fuzz/$$t fuzz/corpus/$$t '$(FUZZ_KNOWN_BUGS)' \
	    $(FUZZ_SECONDS) $(FUZZ_BUILD)/corpus/$$t || exit 1; \
	done

# Writes the seed corpus anew from the library's own objects (fuzz/seedgen.c).
fuzz-seeds: all
	rm -rf fuzz/corpus
	$(BUILD)/fuzz/seedgen fuzz/corpus

# Writes the ABI baselines (abi/*.abi, which the abi_check test compares
# the libraries with) anew from this build: for an intended ABI change
# only (see "ABI policy" in README.md).
abi-baseline: all
	sh abi/check.sh --update . $(BUILD)/libshmap.so $(BUILD)/libshmap-win32.so

install:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_ARGS) >/dev/null
	cmake --build $(BUILD) -j$(JOBS) --target shmap_installed
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)

# The Debian packages (debian/), built from a copy of the source tree in
# $(DEB_BUILD), where they are left; the log goes to $(DEB_BUILD)/build.log
# and is shown on failure. DEB_BUILD_OPTIONS=nocheck skips the tests.
DEB_BUILD ?= build-deb

deb:
	rm -rf $(DEB_BUILD)
	mkdir -p $(DEB_BUILD)/shmap
	git ls-files -co --exclude-standard | while IFS= read -r f; do \
	  if [ -e "$$f" ]; then echo "$$f"; fi; done | \
	  tar -cf - -T - | tar -xf - -C $(DEB_BUILD)/shmap
	cd $(DEB_BUILD)/shmap && dpkg-buildpackage -us -uc -b -J$(JOBS) >../build.log 2>&1 || \
	  { cat ../build.log; exit 1; }
	@ls $(DEB_BUILD)/*.deb

# The packages checked with lintian, unpacked into a scratch root, and
# programs built against them (pkg-config, find_package) and run.
deb-test: deb
	sh tests/deb_test.sh $(DEB_BUILD) $(CURDIR)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD) $(DEB_BUILD) \
	  build-clang build-gcc
