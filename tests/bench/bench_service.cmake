# The Wave service against real servers (tools/bench-service.sh starts them): login with a
# warm session, authorize_register and authorize_publish, with round trips per operation.
add_executable(bench_service bench_service.cpp)
target_link_libraries(bench_service PRIVATE benchmark::benchmark
  wave_service wave_config wave_token wave_crypto wave_topic wave_acl wave_appauth wave_store wave_redis wave_mongo wave_common
  Threads::Threads wave_warnings)
set_target_properties(bench_service PROPERTIES CXX_EXTENSIONS OFF)
