# AI Core — the two commands a new user runs:
#   make demo   set everything up, then run the demo
#   make test   set everything up, then lint, ctest and pytest
# Both are idempotent: on a set-up machine they skip straight to the work.

PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
STAMPS := build/stamps
export PATH := $(abspath $(VENV))/bin:$(PATH)
# ccache (CMakeLists.txt, AICORE_CCACHE) keys on paths relative to here, so pip's build,
# ctest's, the package's and the no-Python check's share its entries.
export CCACHE_BASEDIR := $(CURDIR)
# The sanitizer builds carry debug information, which would tie an entry to its build
# folder: build/asan and build/asan-bridge compile the voice core with the same flags.
export CCACHE_NOHASHDIR := 1
# One compiler name for every build: ccache keys on it (c++ and g++ are one compiler but
# two cache entries), and pip's build found g++ where CMake alone found c++.
export CC := gcc
export CXX := g++

# The protocol schema and its generator make a C++ header (cpp/protocol): they are native sources.
NATIVE_SOURCES := CMakeLists.txt pyproject.toml $(shell find cpp vocal/bindings -type f 2>/dev/null) \
  engine_bridge/protocol/schema.toml engine_bridge/protocol/schema.py tools/generate_protocol_header.py
CTEST_DIR := build/ctest
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# The game needs none of these; the tests and the demo need them all (doctor checks the
# sync and models packages too; the models tests train small models). pyproject.toml says
# what each extra is for.
EXTRAS := test,tools,sync,models,train

.PHONY: demo test bench setup lint format ctest sanitize package pytest clean help
.DEFAULT_GOAL := help

help:
	@echo "make demo   - set up (system packages, .venv, native build) and run the demo"
	@echo "make test   - set up, then ruff, ctest and pytest"
	@echo "make bench  - set up, then every benchmark suite into bench-results/ (aicore bench)"
	@echo "make package - set up, then the relocatable runtime a game ships into $(PACKAGE_DIR)"

demo: setup
	$(VENV)/bin/aicore demo

# package before pytest: its native build (build/package) is then up to date, and the
# relocatable-package test builds its own copy in seconds (docs/packaging.md).
test: setup lint ctest sanitize package pytest

# aicore bench builds the C++ benchmarks (cmake into build/bench, incremental), runs every
# suite and writes one result set under bench-results/ (docs/qa.md). BENCH_ARGS adds
# options: make bench BENCH_ARGS="--compare main --junit bench.xml".
bench: setup
	$(VENV)/bin/aicore bench $(BENCH_ARGS)

setup: $(STAMPS)/system $(VENV)/.installed

$(STAMPS)/system: tools/install_system_packages.sh
	./tools/install_system_packages.sh
	@mkdir -p $(STAMPS) && touch $@

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	@touch $@

# Build requirements are installed once so the native build can run without
# isolation: that keeps build/ between runs and makes rebuilds incremental.
$(VENV)/.deps: pyproject.toml $(VENV)/.created
	$(VPY) -m pip install --quiet "scikit-build-core>=0.10" "pybind11>=2.12"
	@touch $@

$(VENV)/.installed: $(VENV)/.deps $(STAMPS)/system $(NATIVE_SOURCES) gateway/pyproject.toml
	$(VPY) -m pip install --quiet --no-build-isolation -Ceditable.rebuild=false -e ".[$(EXTRAS)]"
	$(VPY) -m pip install --quiet -e "./gateway[postgresql]"
	@touch $@

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

ctest: setup
	cmake -S . -B $(CTEST_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DAICORE_BUILD_TESTS=ON -DAICORE_BUILD_PYMODULE=OFF -DPython_EXECUTABLE=$(abspath $(VPY)) > /dev/null
	cmake --build $(CTEST_DIR) -j $(JOBS)
	ctest --test-dir $(CTEST_DIR) --output-on-failure -j $(JOBS)

# The concurrent voice-engine tests under ThreadSanitizer, every voice-core, codec and
# feature-rows test under AddressSanitizer + UBSan, and libaicore itself (embedded Python and all) under ASan + UBSan
# driven by the C99 suite (CMakePresets.json). Incremental after the first run.
sanitize: setup
	cmake --preset tsan > /dev/null
	cmake --build build/tsan -j $(JOBS) --target vocal_tests
	ctest --preset tsan
	cmake --preset asan > /dev/null
	cmake --build build/asan -j $(JOBS) --target vocal_tests codec_tests models_tests
	ctest --preset asan
	cmake --preset asan-bridge -DPython_EXECUTABLE=$(abspath $(VPY)) > /dev/null
	cmake --build build/asan-bridge -j $(JOBS) --target aicore_c_suite
	ctest --preset asan-bridge

# The relocatable runtime a game ships (docs/packaging.md): native parts with $ORIGIN
# RPATHs, incremental in build/package, assembled into PACKAGE_DIR.
PACKAGE_DIR ?= build/aicore-runtime
package: setup
	$(VENV)/bin/aicore package --out $(PACKAGE_DIR)

pytest: setup
	$(VPY) -m pytest

clean:
	rm -rf build $(VENV) demo-output
