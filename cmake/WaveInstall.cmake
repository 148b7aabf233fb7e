# Install rules: the library, public + generated headers, a find_package(wave) config
# (waveConfig.cmake: SameMinorVersion while 0.x, like the SOVERSION; SameMajorVersion from
# 1.0) and wave.pc.  The build tree is exported too.
set(WAVE_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/wave")

install(TARGETS wave EXPORT waveTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT development
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/wave" "${WAVE_GENERATED_INCLUDE_DIR}/wave"
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development FILES_MATCHING PATTERN "*.h")
install(EXPORT waveTargets NAMESPACE wave:: DESTINATION ${WAVE_INSTALL_CMAKEDIR} COMPONENT development)
export(EXPORT waveTargets NAMESPACE wave:: FILE "${PROJECT_BINARY_DIR}/waveTargets.cmake")

configure_package_config_file(cmake/waveConfig.cmake.in "${PROJECT_BINARY_DIR}/waveConfig.cmake"
  INSTALL_DESTINATION ${WAVE_INSTALL_CMAKEDIR})
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(WAVE_PACKAGE_COMPATIBILITY SameMinorVersion)
else()
  set(WAVE_PACKAGE_COMPATIBILITY SameMajorVersion)
endif()
write_basic_package_version_file("${PROJECT_BINARY_DIR}/waveConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY ${WAVE_PACKAGE_COMPATIBILITY})
install(FILES "${PROJECT_BINARY_DIR}/waveConfig.cmake" "${PROJECT_BINARY_DIR}/waveConfigVersion.cmake"
        DESTINATION ${WAVE_INSTALL_CMAKEDIR} COMPONENT development)

# pkg-config: relocatable (the prefix is found from the .pc file's own place), and only a
# static libwave needs its dependencies on the consumer's link line.
file(RELATIVE_PATH WAVE_PC_PREFIX_FROM_PCDIR "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" WAVE_PC_PREFIX_FROM_PCDIR "${WAVE_PC_PREFIX_FROM_PCDIR}")
if(BUILD_SHARED_LIBS)
  set(WAVE_PC_REQUIRES_PRIVATE "")
  set(WAVE_PC_LIBS_PRIVATE "")
else()
  set(WAVE_PC_REQUIRES_PRIVATE "libcurl hiredis libmongoc-1.0 openssl re2")
  set(WAVE_PC_LIBS_PRIVATE "-lstdc++ -lpthread")
endif()
configure_file(cmake/wave.pc.in "${PROJECT_BINARY_DIR}/wave.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/wave.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT development)
