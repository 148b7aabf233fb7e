# Compiled-filter matching (and the authorizer) against libmosquitto's
# mosquitto_topic_matches_sub on the same corpus, in the same run, with allocations counted.
find_package(PkgConfig REQUIRED)
pkg_check_modules(MOSQUITTO REQUIRED IMPORTED_TARGET libmosquitto)
add_executable(bench_topic bench_topic.cpp)
target_link_libraries(bench_topic PRIVATE benchmark::benchmark wave_acl wave_topic wave_common
                      PkgConfig::MOSQUITTO wave_warnings)
set_target_properties(bench_topic PROPERTIES CXX_EXTENSIONS OFF)
