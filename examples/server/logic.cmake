# wave_server_logic: wave-server's pure parts (routes, webhook and API bodies, metrics, log
# lines, settings, readiness, the admin API): no Asio.  Shared by wave-server, its unit tests and the fuzz
# target (the fuzz preset builds no examples, so tests/fuzz includes this file too).
if(NOT TARGET wave_server_logic)
  set(_wave_server_dir "${CMAKE_CURRENT_LIST_DIR}")
  add_library(wave_server_logic STATIC
    ${_wave_server_dir}/router.cpp
    ${_wave_server_dir}/webhooks.cpp
    ${_wave_server_dir}/api.cpp
    ${_wave_server_dir}/metrics.cpp
    ${_wave_server_dir}/access_log.cpp
    ${_wave_server_dir}/server_settings.cpp
    ${_wave_server_dir}/health.cpp
    ${_wave_server_dir}/rate_limiter.cpp
    ${_wave_server_dir}/admin_api.cpp
    ${_wave_server_dir}/json_body.cpp)
  target_include_directories(wave_server_logic PUBLIC "${_wave_server_dir}")
  target_compile_features(wave_server_logic PUBLIC cxx_std_20)
  set_target_properties(wave_server_logic PROPERTIES CXX_EXTENSIONS OFF POSITION_INDEPENDENT_CODE ON)
  target_link_libraries(wave_server_logic PUBLIC wave::wave wave_rapidjson Threads::Threads PRIVATE OpenSSL::Crypto wave_warnings)
endif()
