# wave-server's pure parts (examples/server): routes, webhook and API bodies and answers,
# metrics text, log lines; through the public C API with an in-memory service (no servers).
if(TARGET wave_server_logic)
  wave_add_test(server_logic
    SOURCES test_server_logic.cpp
    LIBS wave_server_logic
    LABELS unit)
endif()
