/* wave_service.h: the Wave service (login, groups, broker-side checks).  Part of
 * <wave/wave.h>.  (Being written: see issue 4.) */
#ifndef WAVE_SERVICE_H
#define WAVE_SERVICE_H

#include <wave/wave_common.h>

WAVE_BEGIN_DECLS
WAVE_END_DECLS

#endif /* WAVE_SERVICE_H */
