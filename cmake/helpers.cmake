# Helpers: one static library per layer (sources globbed, so adding a file needs no CMake edit),
# one ctest executable per test file, fuzz targets with corpus replay.

# sf_layer(NAME DIR DEPS...) builds libsf_NAME from src/DIR/*.c, linked to DEPS (downward only).
function(sf_layer name dir)
  file(GLOB srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${dir}/*.c)
  if(NOT srcs)
    add_library(sf_${name} INTERFACE)
    target_link_libraries(sf_${name} INTERFACE ${ARGN})
    return()
  endif()
  add_library(sf_${name} STATIC ${srcs})
  sf_target_defaults(sf_${name})
  target_include_directories(sf_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_BINARY_DIR}/include
                                        PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(sf_${name} PUBLIC ${ARGN})
endfunction()

# Tests: tests/<layer>/test_*.c -> label unit, golden_*.c -> golden, it_*.c -> integration,
# browser_*.c -> browser. Each file is one executable and one ctest entry.
function(sf_discover_tests)
  file(GLOB_RECURSE tsrcs CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/tests/*/test_*.c ${PROJECT_SOURCE_DIR}/tests/*/golden_*.c
       ${PROJECT_SOURCE_DIR}/tests/*/it_*.c ${PROJECT_SOURCE_DIR}/tests/*/browser_*.c)
  # Timeouts only catch a hang: unit and golden tests get 300 s, many times what the slowest
  # needs on a quiet machine (about 15 s under ASan), since a loaded 2-core CI machine can run
  # a CPU-bound test ten times slower (synth_test_synth took 121 s in a loaded ctest -j2 run).
  foreach(src ${tsrcs})
    get_filename_component(base ${src} NAME_WE)
    get_filename_component(dir ${src} DIRECTORY)
    get_filename_component(layer ${dir} NAME)
    set(tname ${layer}_${base})
    if(base MATCHES "^golden_")
      set(label golden)
      set(tmo 300)
    elseif(base MATCHES "^it_")
      set(label integration)
      set(tmo 600)
    elseif(base MATCHES "^browser_")
      set(label browser)
      set(tmo 600)
    else()
      set(label unit)
      set(tmo 300)
    endif()
    add_executable(${tname} ${src})
    sf_target_defaults(${tname})
    target_include_directories(${tname} PRIVATE ${PROJECT_SOURCE_DIR}/tests ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${tname} PRIVATE sf_all cmocka::cmocka)
    add_test(NAME ${tname} COMMAND ${tname})
    set_tests_properties(${tname} PROPERTIES LABELS ${label} TIMEOUT ${tmo}
      ENVIRONMENT "SF_SOURCE_DIR=${PROJECT_SOURCE_DIR};SF_SHARED_DIR=${SF_SHARED_DIR};SF_BINARY_DIR=${PROJECT_BINARY_DIR};SF_CLI=$<TARGET_FILE:smartflow>")
  endforeach()
endfunction()

# Fuzz targets: fuzz/fuzz_<name>.c defines LLVMFuzzerTestOneInput. A replay executable runs
# every file of fuzz/corpus/<name>/ through it under ctest (label fuzz-replay); with
# SF_BUILD_FUZZERS and clang, a libFuzzer binary is built as well.
function(sf_discover_fuzzers)
  file(GLOB fsrcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/fuzz/fuzz_*.c)
  foreach(src ${fsrcs})
    get_filename_component(base ${src} NAME_WE)
    string(REGEX REPLACE "^fuzz_" "" name ${base})
    add_executable(replay_${name} ${src} ${PROJECT_SOURCE_DIR}/fuzz/replay_main.c)
    sf_target_defaults(replay_${name})
    target_include_directories(replay_${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(replay_${name} PRIVATE sf_all)
    add_test(NAME fuzz_replay_${name} COMMAND replay_${name} ${PROJECT_SOURCE_DIR}/fuzz/corpus/${name})
    set_tests_properties(fuzz_replay_${name} PROPERTIES LABELS fuzz-replay TIMEOUT 300)
    if(SF_BUILD_FUZZERS AND CMAKE_C_COMPILER_ID MATCHES "Clang")
      add_executable(fuzz_${name} ${src})
      sf_target_defaults(fuzz_${name})
      target_include_directories(fuzz_${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
      target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
      target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
      target_link_libraries(fuzz_${name} PRIVATE sf_all)
    endif()
  endforeach()
endfunction()
