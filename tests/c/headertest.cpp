// Compiled as C++11 with -Wall -Wextra -Werror -pedantic: the public headers must be clean C++.
// wave_acl.h comes first so it is known to compile on its own, then the umbrella.
#include <wave/wave_acl.h>
#include <wave/wave.h>

extern "C" int wave_headertest_cxx_marker(void) {
  return WAVE_BCRYPT_HASH_SIZE == 61 && WAVE_UUID_STRING_SIZE == 37 && WAVE_LOG_DEBUG == 0 ? 1 : 0;
}
