# Every optional part of smartflow is declared here, and only here.
option(SF_WITH_CLICKHOUSE "Build the ClickHouse store backend (libcurl)" ON)
option(SF_WITH_NATS "Build the NATS JetStream bus backend (libnats)" ON)
set(SF_SANITIZER "" CACHE STRING "Sanitizers for the build: empty, or a comma list such as address,undefined")
option(SF_BUILD_BENCH "Build the benchmark programs" ON)
option(SF_BUILD_FUZZERS "Build libFuzzer targets (needs clang); corpus replay is always built" OFF)
option(SF_BUILD_TESTS "Build the test suite" ON)
option(SF_WERROR "Treat warnings as errors" ON)
option(SF_LTO "Link Release builds with link-time optimisation when the toolchain supports it" ON)
