/* Compiled as C99 with -Wall -Wextra -Werror -pedantic: the public headers must be clean C.
 * wave_acl.h comes first so it is known to compile on its own, then the umbrella. */
#include <wave/wave_acl.h>
#include <wave/wave.h>

/* Linked into capi_smoke so the object is really built. */
int wave_headertest_c_marker(void) {
  return WAVE_VERSION_MAJOR >= 0 && WAVE_OK == 0 && WAVE_TOPIC_GROUP_ID_SIZE == 65 &&
         WAVE_LOG_ERROR == 3;
}
