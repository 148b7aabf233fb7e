# The Wave service's in-memory stores and bounded cache (no servers: label unit), and the
# service over those stores against the REAL app endpoint (fixture app: label integration).
# No redis, no mongo: the in-memory service links neither hiredis nor mongoc.
set(WAVE_SERVICE_TEST_COMPONENTS service config token crypto topic acl appauth store common)
wave_add_test(service_stores
  SOURCES test_service_stores.cpp
  COMPONENTS ${WAVE_SERVICE_TEST_COMPONENTS}
  LIBS Threads::Threads
  LABELS unit)
wave_add_test(service_memory
  SOURCES test_service_memory.cpp
  COMPONENTS ${WAVE_SERVICE_TEST_COMPONENTS}
  LIBS CURL::libcurl Threads::Threads
  LABELS integration
  FIXTURES app)
# The C API of the service through the real shared library (in-memory stores, real app).
wave_add_test(service_capi
  SOURCES test_service_capi.cpp
  LIBS wave::wave CURL::libcurl
  LABELS integration
  FIXTURES app)
# Service and store include no backend, and the in-memory service tests link none.
add_test(NAME service_layering COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
  -DBINARY_A=$<TARGET_FILE:test_service_memory> -DBINARY_B=$<TARGET_FILE:test_service_stores>
  -P ${CMAKE_CURRENT_SOURCE_DIR}/check_layering.cmake)
set_tests_properties(service_layering PROPERTIES LABELS unit)
# The admin API of the service (in-memory stores, real app).
wave_add_test(service_admin
  SOURCES test_service_admin.cpp
  COMPONENTS ${WAVE_SERVICE_TEST_COMPONENTS}
  LIBS CURL::libcurl Threads::Threads
  LABELS integration
  FIXTURES app)
