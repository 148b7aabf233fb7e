/* Compiled as C99 with -Wall -Wextra -Werror -pedantic: the public header must be clean C. */
#include <wave/wave.h>

/* Linked into capi_smoke so the object is really built. */
int wave_headertest_c_marker(void) { return WAVE_VERSION_MAJOR >= 0 && WAVE_OK == 0; }
