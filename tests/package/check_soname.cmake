# cmake -DLIBDIR=... -DSOVERSION=... -P check_soname.cmake
# The installed library carries SONAME libwave.so.<SOVERSION> (major.minor while 0.x), the
# file of that name exists, and the development symlink libwave.so points at it.
set(expected "libwave.so.${SOVERSION}")
if(NOT EXISTS "${LIBDIR}/${expected}")
  message(FATAL_ERROR "${LIBDIR}/${expected} is missing")
endif()
file(REAL_PATH "${LIBDIR}/libwave.so" linked)
file(REAL_PATH "${LIBDIR}/${expected}" versioned)
if(NOT linked STREQUAL versioned)
  message(FATAL_ERROR "libwave.so -> ${linked}, but ${expected} -> ${versioned}")
endif()
find_program(READELF readelf REQUIRED)
execute_process(COMMAND ${READELF} -d "${LIBDIR}/libwave.so" OUTPUT_VARIABLE dynamic COMMAND_ERROR_IS_FATAL ANY)
if(NOT dynamic MATCHES "Library soname: \\[${expected}\\]")
  message(FATAL_ERROR "SONAME is not ${expected}:\n${dynamic}")
endif()
message(STATUS "SONAME ${expected}")
