# The newcomer's commands.  Everything real lives in CMake and scripts/.
#   make run     install what is missing, build, create var/demo.db, serve on :8080
#   make check   install what is missing, build, run every test (normal + ASan/UBSan)
#   make bench   benchmarks at city scale (bench/run)
#   make check-reliability   the crash test, 20 kill -9 cycles (tests/reliability/crash.mjs)
#   make fuzz FUZZ_SECONDS=N  each libFuzzer target of tests/fuzz for N seconds (default 30)
JOBS ?= 2
BUILD ?= build
ASAN_BUILD ?= build-asan
DEMO_DB ?= var/demo.db
LISTEN ?= 127.0.0.1:8080
FUZZ_SECONDS ?= 30

.PHONY: all deps deps-test build build-asan run check check-format format test-unit test-api test-browser test-asan bench clean check-reliability fuzz

all: build

deps:
	@scripts/install-deps --browser

# the tests also need a PostgreSQL server (the API suite runs on both engines)
deps-test:
	@scripts/install-deps --browser --postgres

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DEPIGRID_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS) -- --no-print-directory

$(DEMO_DB):
	@mkdir -p $(dir $(DEMO_DB))
	@$(BUILD)/epigrid demo --db $(DEMO_DB).tmp --scale 0.01 --seed 1 && mv $(DEMO_DB).tmp $(DEMO_DB)

run: build
	@$(MAKE) --no-print-directory $(DEMO_DB)
	@scripts/print-logins $(DEMO_DB)
	@$(BUILD)/epigrid serve --db $(DEMO_DB) --listen $(LISTEN)

check-format:
	@scripts/check-format

format:
	@git ls-files '*.c' '*.h' | xargs clang-format -i

# Tests run two at a time: most of a test's time is a server, a browser or
# PostgreSQL waiting, and every test has its own port, database file or
# PostgreSQL database (measured: 889 s one at a time, 640 s two at a time).
check: deps-test build build-asan check-format
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L 'unit|api|postgres'

check-reliability: build
	@EPIGRID_BIN=$(BUILD)/epigrid node tests/reliability/crash.mjs --cycles 20

fuzz:
	@scripts/install-deps --fuzz
	@tests/fuzz/run $(FUZZ_SECONDS)

bench: deps
	@bench/run

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
