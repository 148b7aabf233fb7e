# wave-server's pure parts (examples/server): routes, webhook and API bodies and answers,
# metrics text, log lines; through the public C API with an in-memory service (no servers).
if(TARGET wave_server_logic)
  wave_add_test(server_logic
    SOURCES test_server_logic.cpp
    LIBS wave_server_logic
    LABELS unit)
endif()
# The HTTP core in process over loopback sockets; logins use the REAL app endpoint (fixture).
if(TARGET wave_server_core)
  wave_add_test(server_http
    SOURCES test_server_http.cpp
    LIBS wave_server_core
    LABELS integration
    FIXTURES app)
endif()
# The admin key check, the admin routes and adminAPIKeys in the settings (no servers).
if(TARGET wave_server_core)
  wave_add_test(server_admin
    SOURCES test_server_admin.cpp
    LIBS wave_server_core
    LABELS unit)
endif()
