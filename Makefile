# A thin driver over CMake. `make test` is what CI runs.
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
PREFIX     ?= /usr/local
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

.PHONY: all configure test test-fast test-asan tsan demo bench torture fuzz fuzz-build fuzz-seeds abi-baseline install deb deb-test clean

all: configure
	cmake --build $(BUILD) -j$(JOBS)

configure:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null

# The whole suite, then the same tests under AddressSanitizer + UBSan.
test: test-fast test-asan

test-fast: all
	cd $(BUILD) && ctest --output-on-failure

test-asan:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSHMAP_SANITIZE=ON $(CMAKE_ARGS) >/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && SHMAP_TEST_SMALL=1 \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure

tsan:
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSHMAP_TSAN=ON $(CMAKE_ARGS) >/dev/null
	cmake --build $(TSAN_BUILD) -j$(JOBS)
	cd $(TSAN_BUILD) && SHMAP_TEST_SMALL=1 ctest --output-on-failure

demo: all
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
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
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
FUZZ_TARGETS    ?= fuzz_hdr fuzz_sync fuzz_name fuzz_handles
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
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD) $(DEB_BUILD)
