# SPDX-License-Identifier: Apache-2.0
# vigil_cc_library / vigil_cc_test / vigil_cc_binary: one target per module,
# with explicit dependencies. A module's public headers live in
# src/<m>/include/vigil/<m>/ and are visible only to targets that link it, so an
# include that the module graph (docs/design/000-architecture.md) does not allow
# fails to compile. tools/check_deps.py checks the same table from the sources.

# vigil_cc_library(NAME <module> SRCS ... [DEPS vigil modules...] [LIBS external targets...])
function(vigil_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;LIBS" ${ARGN})
  set(target vigil_${ARG_NAME})
  add_library(${target} STATIC ${ARG_SRCS})
  target_include_directories(${target}
    PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  foreach(dep IN LISTS ARG_DEPS)
    target_link_libraries(${target} PUBLIC vigil_${dep})
  endforeach()
  # External libraries are private: their headers stay inside the adapter.
  target_link_libraries(${target} PRIVATE ${ARG_LIBS})
  target_compile_options(${target} PRIVATE ${VIGIL_WARNINGS})
  set_property(GLOBAL APPEND PROPERTY VIGIL_MODULES ${ARG_NAME})
  set_property(GLOBAL PROPERTY VIGIL_DEPS_${ARG_NAME} ${ARG_DEPS})
endfunction()

# vigil_cc_test(NAME <name> SRCS ... DEPS <vigil modules> [LIBS ...] [LABELS ...])
# Tests may include their module's internal headers (the module's source dir).
function(vigil_cc_test)
  if(NOT VIGIL_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;LIBS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  foreach(dep IN LISTS ARG_DEPS)
    target_link_libraries(${ARG_NAME} PRIVATE vigil_${dep})
  endforeach()
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_options(${ARG_NAME} PRIVATE ${VIGIL_WARNINGS})
  target_compile_definitions(${ARG_NAME} PRIVATE
    VIGIL_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    VIGIL_BINARY_DIR="${PROJECT_BINARY_DIR}")
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${ARG_LABELS}")
endfunction()

# vigil_cc_binary(NAME <output name> SRCS ... DEPS <vigil modules>)
# Binaries land in build/bin/.
function(vigil_cc_binary)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;LIBS" ${ARGN})
  string(REPLACE "-" "_" target ${ARG_NAME})
  # vigil-agent would be vigil_agent, the agent module's library: suffix it.
  if(TARGET ${target})
    set(target ${target}_bin)
  endif()
  add_executable(${target} ${ARG_SRCS})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME ${ARG_NAME}
    RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
  foreach(dep IN LISTS ARG_DEPS)
    target_link_libraries(${target} PRIVATE vigil_${dep})
  endforeach()
  target_link_libraries(${target} PRIVATE ${ARG_LIBS})
  target_compile_options(${target} PRIVATE ${VIGIL_WARNINGS})
  # Binaries take part in the graph checks under their output name.
  set_property(GLOBAL APPEND PROPERTY VIGIL_MODULES ${ARG_NAME})
  set_property(GLOBAL PROPERTY VIGIL_DEPS_${ARG_NAME} ${ARG_DEPS})
endfunction()

# vigil_forbid_link(<module or binary> <forbidden module>): fails the configure
# step when the first reaches the second through any chain of DEPS. Call it
# after every module is declared. This is how "the server cannot open clips"
# is kept: neither the server module nor the vigild binary may reach seal.
function(vigil_forbid_link module forbidden)
  get_property(modules GLOBAL PROPERTY VIGIL_MODULES)
  if(NOT module IN_LIST modules)
    return()
  endif()
  set(seen "")
  set(queue ${module})
  while(queue)
    list(POP_FRONT queue current)
    if(current IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${current})
    get_property(deps GLOBAL PROPERTY VIGIL_DEPS_${current})
    foreach(dep IN LISTS deps)
      if(dep STREQUAL forbidden)
        message(FATAL_ERROR "module graph: '${module}' must not link '${forbidden}' (via '${current}')")
      endif()
      list(APPEND queue ${dep})
    endforeach()
  endwhile()
endfunction()
