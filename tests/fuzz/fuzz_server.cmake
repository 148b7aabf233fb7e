# wave-server's body handlers (examples/server's pure parts) over an in-memory service.
include("${PROJECT_SOURCE_DIR}/examples/server/logic.cmake")
wave_add_fuzzer(server_bodies SOURCES fuzz_server_bodies.cpp LIBS wave_server_logic)
