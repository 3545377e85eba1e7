# Thin wrapper over CMake. The two commands a new user types: `make run` and `make test`.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE ?= cmake
ARGS ?=

.PHONY: all deps deps-test build run test bench fuzz clean

all: build

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

build: deps
	@$(CMAKE) -S . -B build -DCMAKE_BUILD_TYPE=Release -DSF_BUILD_TESTS=OFF >/dev/null
	@$(CMAKE) --build build -j $(JOBS)

# The live demo: synthetic market -> engine -> SQLite -> API and web UI on 127.0.0.1.
run: build
	./build/smartflow run $(ARGS)

# Every test, in a build with AddressSanitizer + UBSan.
test: deps-test
	@$(CMAKE) -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DSF_SANITIZER=address,undefined \
	    -DSF_BUILD_BENCH=ON -DSF_BUILD_TESTS=ON >/dev/null
	@$(CMAKE) --build build-test -j $(JOBS)
	cd build-test && ctest --output-on-failure -j $(JOBS) $(ARGS)

# Every benchmark (engine, iv, decode, json, store, api, ws; ClickHouse and NATS when installed),
# one JSON line each, in a Release build. About five minutes on 2 cores.
bench: deps
	@$(CMAKE) -S . -B build -DCMAKE_BUILD_TYPE=Release -DSF_BUILD_BENCH=ON -DSF_BUILD_TESTS=OFF >/dev/null
	@$(CMAKE) --build build -j $(JOBS)
	bench/run_all.sh build

fuzz: deps-test
	@$(CMAKE) -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DSF_BUILD_FUZZERS=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@$(CMAKE) --build build-fuzz -j $(JOBS)

clean:
	rm -rf build build-test build-fuzz
