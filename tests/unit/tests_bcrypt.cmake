# bcrypt: the C++ core against known answers and two independent oracles (libxcrypt's
# crypt_rn, linked here, and Debian's python3-bcrypt, run through WAVE_TEST_PYTHON), and
# the C API through the real shared library.
find_library(WAVE_LIBCRYPT crypt REQUIRED)
wave_add_test(bcrypt
  SOURCES test_bcrypt.cpp
  COMPONENTS crypto common
  LIBS ${WAVE_LIBCRYPT}
  LABELS unit)
wave_add_test(bcrypt_capi
  SOURCES test_bcrypt_capi.cpp
  LIBS wave::wave
  LABELS unit)
