# SPDX-License-Identifier: Apache-2.0
# The project's entry points (README.md): every target installs what it needs.
#   make demo   make test   make build   make bench
# and, for developers: make asan, make fuzz, make tidy, make format, make lint.

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

# ccache keys on paths relative to the checkout, so fresh clones in other
# folders (as CI makes) still hit the cache.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
export CCACHE_MAXSIZE ?= 5G

CMAKE_FLAGS := -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

.PHONY: all setup configure build test demo bench asan fuzz tidy tidy-all format format-check lint clean

all: build

setup:
	@bash scripts/setup.sh

configure: setup
	@cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)
	@echo "binaries: $$(ls $(BUILD_DIR)/bin | tr '\n' ' ')"

test: setup
	@bash scripts/test.sh

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)

bench: build
	@$(BUILD_DIR)/bin/vigil-bench-crypto
	@$(BUILD_DIR)/bin/vigil-bench-ingest
	@VIGIL_BIN=$(abspath $(BUILD_DIR))/bin /usr/bin/python3 bench/agent/agent_bench.py
	@VIGIL_BIN=$(abspath $(BUILD_DIR))/bin /usr/bin/python3 bench/detect/detect_bench.py
	@VIGIL_BIN=$(abspath $(BUILD_DIR))/bin /usr/bin/python3 bench/detect/alerts_bench.py

asan: setup
	@cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ctest -j $(JOBS) --output-on-failure

fuzz: setup
	@bash tools/run_fuzz.sh

# clang-tidy on the files changed since TIDY_BASE (CI), or on everything.
tidy: configure
	@bash tools/tidy.sh $(BUILD_DIR) changed

tidy-all: configure
	@bash tools/tidy.sh $(BUILD_DIR) all

format:
	@git ls-files --cached --others --exclude-standard '*.cc' '*.h' | xargs clang-format -i

format-check:
	@git ls-files --cached --others --exclude-standard '*.cc' '*.h' | xargs clang-format --dry-run --Werror

lint: format-check
	@python3 tools/check_deps.py
	@python3 tools/check_links.py

clean:
	rm -rf $(BUILD_DIR) build-asan build-fuzz
