/*
 * Wave: trustworthy identities and topic permissions for MQTT messaging.
 * The umbrella header: include this one.  Compiles as C99 and as C++.
 * Conventions (status codes, ownership, threads): see wave_common.h.
 */
#ifndef WAVE_H
#define WAVE_H

#include <wave/wave_common.h>
#include <wave/wave_crypto.h>
#include <wave/wave_config.h>
#include <wave/wave_topic.h>
#include <wave/wave_acl.h>
#include <wave/wave_service.h>

#endif /* WAVE_H */
