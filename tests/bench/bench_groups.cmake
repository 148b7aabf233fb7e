# Login of a user in 10..10,000 groups over the in-memory stores (issue 10 §2: the
# reconcile must stay linear; target under 5 ms plus round trips at 1,000 groups; measured 2.3 ms).
add_executable(bench_groups bench_groups.cpp)
target_link_libraries(bench_groups PRIVATE benchmark::benchmark
  wave_service wave_config wave_token wave_crypto wave_topic wave_acl wave_appauth wave_store wave_common
  Threads::Threads wave_warnings)
set_target_properties(bench_groups PROPERTIES CXX_EXTENSIONS OFF)
