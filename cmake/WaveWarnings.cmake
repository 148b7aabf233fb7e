# Warning flags for Wave's own targets (never global, never exported).
add_library(wave_warnings INTERFACE)
target_compile_options(wave_warnings INTERFACE
  $<$<OR:$<C_COMPILER_ID:GNU,Clang>,$<CXX_COMPILER_ID:GNU,Clang>>:
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
    $<$<BOOL:${WAVE_WARNINGS_AS_ERRORS}>:-Werror>>)
