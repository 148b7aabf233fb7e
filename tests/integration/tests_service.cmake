# The Wave service on the real servers (Redis, FerretDB/MongoDB, the app endpoint): flows,
# concurrency, rotation, revoke, groups; and faults with private servers it stops itself.
set(WAVE_SERVICE_IT_COMPONENTS service backends config token crypto topic acl appauth store redis mongo common)
wave_add_test(service
  SOURCES test_service.cpp
  COMPONENTS ${WAVE_SERVICE_IT_COMPONENTS}
  LIBS ${WAVE_MONGOC_TARGET} CURL::libcurl Threads::Threads
  LABELS integration
  FIXTURES redis mongo app
  TIMEOUT 600)
wave_add_test(service_faults
  SOURCES test_service_faults.cpp
  COMPONENTS ${WAVE_SERVICE_IT_COMPONENTS}
  LIBS ${WAVE_MONGOC_TARGET} CURL::libcurl Threads::Threads
  LABELS integration
  FIXTURES redis mongo app
  TIMEOUT 600)
# Two wave_service handles on the same servers: announcements reach the other's cache.
wave_add_test(invalidation_capi
  SOURCES test_invalidation_capi.cpp
  LIBS wave::wave
  LABELS integration
  FIXTURES redis mongo app
  TIMEOUT 300)
# The admin API through the C API, two handles on the same servers; raw MongoDB reads.
wave_add_test(admin_capi
  SOURCES test_admin_capi.cpp
  COMPONENTS ${WAVE_SERVICE_IT_COMPONENTS}
  LIBS wave::wave ${WAVE_MONGOC_TARGET} CURL::libcurl Threads::Threads
  LABELS integration
  FIXTURES redis mongo app
  TIMEOUT 300)
