/* wave_topic.h: MQTT topic rules and Wave's ACL patterns.  Part of <wave/wave.h>.
 * (Being written: see issue 3.) */
#ifndef WAVE_TOPIC_H
#define WAVE_TOPIC_H

#include <wave/wave_common.h>

WAVE_BEGIN_DECLS
WAVE_END_DECLS

#endif /* WAVE_TOPIC_H */
