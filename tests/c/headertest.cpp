// Compiled as C++11 with -Wall -Wextra -Werror -pedantic: the public header must be clean C++.
#include <wave/wave.h>

extern "C" int wave_headertest_cxx_marker(void) { return WAVE_BCRYPT_HASH_SIZE == 61 ? 1 : 0; }
