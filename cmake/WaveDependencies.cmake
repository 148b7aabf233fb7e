# Finds Wave's dependencies the Debian way and defines imported targets for them.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto SSL)
find_package(CURL REQUIRED)
# Debian's hiredis 0.14 ships no CMake package, only a .pc file.
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
find_package(mongoc-1.0 1.17 CONFIG QUIET)
if(TARGET mongo::mongoc_shared)
  set(WAVE_MONGOC_TARGET mongo::mongoc_shared)
else()
  find_package(mongoc 2 CONFIG REQUIRED)
  set(WAVE_MONGOC_TARGET mongoc::mongoc)
endif()
find_package(RapidJSON CONFIG QUIET)
find_path(WAVE_RAPIDJSON_INCLUDE_DIR rapidjson/document.h
          HINTS ${RapidJSON_INCLUDE_DIRS} ${RAPIDJSON_INCLUDE_DIRS} REQUIRED)
add_library(wave_rapidjson INTERFACE)
target_include_directories(wave_rapidjson SYSTEM INTERFACE "$<BUILD_INTERFACE:${WAVE_RAPIDJSON_INCLUDE_DIR}>")
# RapidJSON: std::string support and exceptions instead of assert() on misuse.
target_compile_definitions(wave_rapidjson INTERFACE RAPIDJSON_HAS_STDSTRING=1)
