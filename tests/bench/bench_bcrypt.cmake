# Wave's bcrypt against libxcrypt's (crypt_rn) at costs 10 and 12, in the same run.
find_library(WAVE_LIBCRYPT crypt REQUIRED)
add_executable(bench_bcrypt bench_bcrypt.cpp)
target_link_libraries(bench_bcrypt PRIVATE benchmark::benchmark wave_crypto wave_common ${WAVE_LIBCRYPT} wave_warnings)
set_target_properties(bench_bcrypt PROPERTIES CXX_EXTENSIONS OFF)
