# Topic rules (src/topic), Wave's topic scheme (src/acl) and their C API (wave_topic.h).
find_package(PkgConfig REQUIRED)
pkg_check_modules(MOSQUITTO REQUIRED IMPORTED_TARGET libmosquitto)

wave_add_test(topic SOURCES test_topic.cpp COMPONENTS topic common LABELS unit)
wave_add_test(acl SOURCES test_acl.cpp COMPONENTS acl topic common LABELS unit)
# libmosquitto as an oracle; the deliberate differences are listed in the source.
wave_add_test(topic_mosquitto SOURCES test_topic_mosquitto.cpp COMPONENTS topic common
              LIBS PkgConfig::MOSQUITTO LABELS unit)
# The C ABI, through the real exported library.
wave_add_test(topic_capi SOURCES test_topic_capi.cpp LIBS wave LABELS unit)
