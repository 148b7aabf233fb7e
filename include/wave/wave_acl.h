/*
 * wave_acl.h: Wave's topic scheme: IDs, ACL patterns, sender identification and the
 * authorizer.  Part of <wave/wave.h>.  The MQTT rules these build on are in wave_topic.h.
 *
 * Wave's topic scheme (see docs/topics.md for why a receiver can trust the sender level):
 *   private:  publish   conversations/private/<me>/+      subscribe conversations/private/+/<me>
 *   group:    publish   conversations/group/<gid>/<me>    subscribe conversations/group/<gid>/+
 * <me> is a Wave internal ID, a canonical lowercase UUID (wave_uuid_is_canonical(), in
 * WAVE_UUID_STRING_SIZE bytes); <gid> is a canonical lowercase UUID or an app-supplied ID of
 * 1..64 characters of [A-Za-z0-9_-].  Neither can contain '/', '+', '#' or '$', so neither
 * can widen a pattern.
 *
 * Every function here is thread-safe; the yes/no conventions are those of wave_common.h.
 */
#ifndef WAVE_ACL_H
#define WAVE_ACL_H

#include <wave/wave_common.h>

WAVE_BEGIN_DECLS

/* ---- Wave's IDs and ACL patterns ------------------------------------------------------ */

#define WAVE_TOPIC_GROUP_ID_SIZE 65 /* the longest group ID: 64 chars + NUL */

/* 1 when `group_id` is a canonical lowercase UUID or 1..64 characters of [A-Za-z0-9_-],
 * 0 otherwise (NULL too).  (For user IDs: wave_uuid_is_canonical().) */
WAVE_API int wave_acl_is_valid_group_id(const char *group_id);

/* The publish and subscribe patterns of one grant, in document order.  Immutable: one
 * handle may be read by many threads at once. */
typedef struct wave_acl_patterns wave_acl_patterns;

/* The patterns of user `internal_id`'s private conversations, into *out (free with
 * wave_acl_patterns_free()): publish "conversations/private/<id>/+", subscribe
 * "conversations/private/+/<id>".  WAVE_ERR_INVALID_ARGUMENT when internal_id is not a
 * canonical lowercase UUID or an argument is NULL (then *out is NULL). */
WAVE_API wave_status wave_acl_private_patterns(const char *internal_id, wave_acl_patterns **out);

/* The patterns of user `internal_id`'s membership of group `group_id`, into *out (free with
 * wave_acl_patterns_free()): publish "conversations/group/<gid>/<id>" (exactly that topic:
 * no trailing "/+", see docs/topics.md), subscribe "conversations/group/<gid>/+".
 * WAVE_ERR_INVALID_ARGUMENT for an invalid ID or a NULL argument (then *out is NULL). */
WAVE_API wave_status wave_acl_group_patterns(const char *group_id, const char *internal_id,
                                             wave_acl_patterns **out);

/* How many publish patterns `patterns` holds (0 for NULL). */
WAVE_API size_t wave_acl_patterns_publish_count(const wave_acl_patterns *patterns);

/* The publish pattern at `index`, or NULL when index >= the count or patterns is NULL.
 * Borrowed: valid until wave_acl_patterns_free(). */
WAVE_API const char *wave_acl_patterns_publish(const wave_acl_patterns *patterns, size_t index);

/* How many subscribe patterns `patterns` holds (0 for NULL). */
WAVE_API size_t wave_acl_patterns_subscribe_count(const wave_acl_patterns *patterns);

/* The subscribe pattern at `index`, or NULL when index >= the count or patterns is NULL.
 * Borrowed: valid until wave_acl_patterns_free(). */
WAVE_API const char *wave_acl_patterns_subscribe(const wave_acl_patterns *patterns,
                                                 size_t index);

/* Frees a pattern set.  Accepts NULL. */
WAVE_API void wave_acl_patterns_free(wave_acl_patterns *patterns);

/* ---- Sender identification ------------------------------------------------------------ */

typedef enum wave_conversation_kind {
  WAVE_CONVERSATION_PRIVATE = 1, /* conversations/private/<sender>/<recipient> */
  WAVE_CONVERSATION_GROUP = 2    /* conversations/group/<group>/<sender> */
} wave_conversation_kind;

/*
 * Who sent a message received on `topic`, from the topic alone.  Accepts only topics the
 * scheme produces: exactly 4 levels, "conversations/private/<uuid>/<uuid>" or
 * "conversations/group/<gid>/<uuid>", with valid IDs.  On success writes the kind, the
 * sender's internal ID into `sender_out`, and the recipient's internal ID (private) or the
 * group ID (group) into `peer_out`, both NUL-terminated.  The buffers are caller-owned.
 * WAVE_ERR_INVALID_ARGUMENT for any other topic or a NULL argument; then *kind_out is 0 and
 * the buffers (when not NULL) hold "".
 */
WAVE_API wave_status wave_topic_identify_sender(const char *topic, wave_conversation_kind *kind_out,
                                                char sender_out[WAVE_UUID_STRING_SIZE],
                                                char peer_out[WAVE_TOPIC_GROUP_ID_SIZE]);

/* ---- Authorizer ------------------------------------------------------------------------- */

/* One user's publish and subscribe ACL patterns, validated and compiled once.  Immutable:
 * one handle may be used by many threads at once; checks allocate nothing. */
typedef struct wave_authorizer wave_authorizer;

/*
 * Compiles the `n_publish` patterns at `publish` and the `n_subscribe` patterns at
 * `subscribe` (arrays of NUL-terminated filters, copied; an array may be NULL when its
 * count is 0; empty lists deny everything) into *out, freed with wave_authorizer_free().
 * Patterns and checked topics are held to at most `max_depth` levels (0: the default 10;
 * WAVE_TOPIC_UNLIMITED_DEPTH: no limit; see wave_topic.h).
 * WAVE_ERR_INVALID_ARGUMENT when a pattern is NULL, not a valid filter, deeper than the
 * limit, or a "$share/..." subscription (ACL patterns are plain filters); then *out is NULL.
 */
WAVE_API wave_status wave_authorizer_new(const char *const *publish, size_t n_publish,
                                         const char *const *subscribe, size_t n_subscribe,
                                         unsigned max_depth, wave_authorizer **out);

/* 1 when `topic` is a valid topic name matched by one of the publish patterns; 0 otherwise
 * (an invalid topic or a NULL argument too: a check never grants by mistake). */
WAVE_API int wave_authorizer_may_publish(const wave_authorizer *authorizer, const char *topic);

/* 1 when `filter` is a valid filter covered (see "Coverage" in wave_topic.h) by one single
 * subscribe pattern; for "$share/<group>/<f>" the check applies to <f>.  0 otherwise (an
 * invalid filter or a NULL argument too). */
WAVE_API int wave_authorizer_may_subscribe(const wave_authorizer *authorizer,
                                           const char *filter);

/* Frees an authorizer.  Accepts NULL. */
WAVE_API void wave_authorizer_free(wave_authorizer *authorizer);

WAVE_END_DECLS

#endif /* WAVE_ACL_H */
