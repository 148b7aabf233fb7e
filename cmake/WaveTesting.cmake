# wave_add_test(NAME SOURCES ... COMPONENTS ... [LIBS ...] [LABELS ...] [FIXTURES ...]
#               [ENVIRONMENT ...] [TIMEOUT s])
# A doctest executable test_<NAME> linking the listed Wave components (by their C++
# interfaces, not the exported ABI), registered with CTest under NAME.
find_program(WAVE_TEST_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT WAVE_TEST_PYTHON)
  find_program(WAVE_TEST_PYTHON NAMES python3 REQUIRED)
endif()
function(wave_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;COMPONENTS;LIBS;LABELS;FIXTURES;ENVIRONMENT" ${ARGN})
  set(target test_${name})
  add_executable(${target} ${ARG_SOURCES})
  list(TRANSFORM ARG_COMPONENTS PREPEND wave_ OUTPUT_VARIABLE components)
  target_link_libraries(${target} PRIVATE wave_doctest_main ${components} ${ARG_LIBS} wave_warnings)
  set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF)
  target_include_directories(${target} PRIVATE "${PROJECT_SOURCE_DIR}/tests")
  target_compile_definitions(${target} PRIVATE WAVE_TEST_HARNESS_DIR="${PROJECT_SOURCE_DIR}/tests/harness")
  add_test(NAME ${name} COMMAND ${target})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "WAVE_TEST_PYTHON=${WAVE_TEST_PYTHON};WAVE_TEST_STATE_DIR=${WAVE_TEST_STATE_DIR};${ARG_ENVIRONMENT}")
  if(ARG_FIXTURES)
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED "${ARG_FIXTURES}")
  endif()
endfunction()

# wave_python_test_environment(OUT)
# The environment of a pytest suite that loads libwave through ctypes: the library, the
# bindings on PYTHONPATH, the fixtures' state directory.  ASan builds: the interpreter is not
# instrumented, so the runtime must be preloaded, and libstdc++ with it (ASan's __cxa_throw
# interceptor finds the real one only if libstdc++ is loaded when ASan starts); leak checking
# is off, since CPython keeps memory until exit by design.
function(wave_python_test_environment out)
  set(env
    "WAVE_LIBRARY=$<TARGET_FILE:wave>"
    "PYTHONPATH=${PROJECT_SOURCE_DIR}/bindings/python"
    "PYTHONDONTWRITEBYTECODE=1"
    "WAVE_TEST_STATE_DIR=${WAVE_TEST_STATE_DIR}")
  if(CMAKE_CXX_FLAGS MATCHES "sanitize=address")
    execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libasan.so
                    OUTPUT_VARIABLE asan_runtime OUTPUT_STRIP_TRAILING_WHITESPACE)
    execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libstdc++.so
                    OUTPUT_VARIABLE cxx_runtime OUTPUT_STRIP_TRAILING_WHITESPACE)
    list(APPEND env "LD_PRELOAD=${asan_runtime}:${cxx_runtime}" "ASAN_OPTIONS=detect_leaks=0")
  endif()
  set(${out} "${env}" PARENT_SCOPE)
endfunction()
