/*
 * wave_topic.h: MQTT topic rules and Wave's topic scheme.  Part of <wave/wave.h>.
 *
 * MQTT rules (MQTT 3.1.1 and 5.0, section 4.7), exactly:
 *  - A topic name is 1..65535 bytes of well-formed UTF-8 (RFC 3629) without U+0000, and
 *    contains neither '+' nor '#'.  A topic filter may also use '+' as a whole level and '#'
 *    as the whole last level ("a/+/c", "a/#", "#"; not "a+", "a/#/c", "a#").
 *  - Levels are separated by '/'; empty levels are real levels: "a//b" has 3 levels, "/a"
 *    and "a/" have 2.  Comparison is byte-exact and case-sensitive.
 *  - '+' matches exactly one level, including an empty one: "a/+" matches "a/" but not "a".
 *  - '#' matches any number of remaining levels, including none: "sport/#" matches "sport",
 *    "sport/" and "sport/tennis/player1".
 *  - A filter whose first level is '+' or '#' never matches a topic whose first level
 *    starts with '$': "#" and "+/info" do not match "$SYS/info"; "$SYS/#" does.
 *  - Shared subscriptions "$share/<group>/<filter>" (MQTT 5 section 4.8.2) match what
 *    <filter> matches.  <group> must be a non-empty level without '+' or '#', and <filter>
 *    a valid, non-shared filter: "$share/g", "$share//a", "$share/+/a", "$share/g/" and
 *    "$share/g/$share/h/a" are invalid.  ("$SHARE/..." is an ordinary filter: case matters.)
 *  - Depth: at most WAVE_TOPIC_DEFAULT_MAX_DEPTH (10) levels unless an _ex variant says
 *    otherwise, counted over the whole string (for shared subscriptions "$share" and the
 *    group count too), as VerneMQ's topic_max_depth does.  A max_depth of 0 means no limit.
 *
 * Coverage (wave_filter_covers): may a subscription to SUB be granted under the ACL pattern
 * ACL?  Yes exactly when every topic that SUB matches is also matched by ACL.  This is
 * stricter than VerneMQ's and mosquitto-go-auth's "match the filter as if it were a topic".
 * Rules, each with an example:
 *  1. Equal filters cover each other:                     "a/+/c" covers "a/+/c".
 *  2. A literal level covers only the same literal:       "a/b" covers "a/b", not "a/c".
 *  3. '+' covers one level, literal or '+':               "a/+" covers "a/b" and "a/+".
 *  4. A literal does not cover '+':                       "a/b" does not cover "a/+".
 *  5. '+' does not cover '#' (it would grant deeper topics, and the parent):
 *                                                         "a/+" does not cover "a/#".
 *  6. '#' covers any remaining levels, wildcards included: "a/#" covers "a/+/b", "a/#",
 *     "a/b/c".
 *  7. '#' covers its parent level:                        "a/#" covers "a"; "a/+" does not.
 *  8. Level counts must agree otherwise:                  "a/+" covers neither "a" nor "a/b/c".
 *  9. Empty levels are levels:                            "a/+" covers "a/"; "a" does not
 *     cover "a/".
 * 10. The empty string is no topic, so a '#' in SUB whose parent would be "" stands for at
 *     least one level, and "+/#" covers it:              "+/#" covers "#"; "/+/#" covers "/#";
 *     "+" does not cover "#" (which matches "a/b").
 * 11. A wildcard first level never covers a first level starting with '$':
 *                                                         "#" covers neither "$SYS/#" nor
 *     "$SYS/x"; "+/x" does not cover "$a/x"; "$SYS/#" covers "$SYS/x".
 * 12. Shared subscriptions are judged by their <filter>:  "a/#" covers "$share/g/a/b".
 * 13. Invalid input on either side (including more levels than max_depth) gives -1.
 * Coverage is decided over topics of any depth.  Within a depth limit that gives the same
 * answers, except at max_depth 1, where "+" would cover "#": Wave still says no (fail closed).
 *
 * Wave's topic scheme (see docs/topics.md for why a receiver can trust the sender level):
 *   private:  publish   conversations/private/<me>/+      subscribe conversations/private/+/<me>
 *   group:    publish   conversations/group/<gid>/<me>    subscribe conversations/group/<gid>/+
 * <me> is a Wave internal ID, a canonical lowercase UUID; <gid> is a canonical lowercase UUID
 * or an app-supplied ID of 1..64 characters of [A-Za-z0-9_-].  Neither can contain '/', '+',
 * '#' or '$', so neither can widen a pattern.
 *
 * Every function here is thread-safe.  The int predicates keep no error message for
 * invalid input (their -1 or 0 says it) but do record one for NULL arguments.
 */
#ifndef WAVE_TOPIC_H
#define WAVE_TOPIC_H

#include <wave/wave_common.h>

WAVE_BEGIN_DECLS

/* ---- Validation and matching -------------------------------------------------------- */

#define WAVE_TOPIC_MAX_LENGTH 65535   /* bytes, without the NUL */
#define WAVE_TOPIC_DEFAULT_MAX_DEPTH 10 /* levels, like VerneMQ's topic_max_depth default */

/* 1 when `topic` is a valid topic name of at most 10 levels, 0 otherwise (NULL too). */
WAVE_API int wave_topic_is_valid_name(const char *topic);

/* As wave_topic_is_valid_name() with at most `max_depth` levels (0: no limit). */
WAVE_API int wave_topic_is_valid_name_ex(const char *topic, unsigned max_depth);

/* 1 when `filter` is a valid topic filter of at most 10 levels, including a well-formed
 * "$share/<group>/<filter>"; 0 otherwise (NULL too). */
WAVE_API int wave_topic_is_valid_filter(const char *filter);

/* As wave_topic_is_valid_filter() with at most `max_depth` levels (0: no limit). */
WAVE_API int wave_topic_is_valid_filter_ex(const char *filter, unsigned max_depth);

/* Does `filter` match `topic`?  1 match, 0 no match, -1 invalid filter or topic (or NULL,
 * or more than 10 levels).  Parses the filter on every call: to match many topics against
 * one filter, compile it (wave_filter_compile). */
WAVE_API int wave_topic_matches(const char *filter, const char *topic);

/* As wave_topic_matches() with at most `max_depth` levels (0: no limit). */
WAVE_API int wave_topic_matches_ex(const char *filter, const char *topic, unsigned max_depth);

/* ---- Compiled filters --------------------------------------------------------------- */

/* A topic filter parsed once, for matching many topics without allocation or re-parsing.
 * Immutable after wave_filter_compile(): one handle may be used by many threads at once. */
typedef struct wave_filter wave_filter;

/* Compiles `filter` (at most 10 levels) into *out, which the caller frees with
 * wave_filter_free().  WAVE_ERR_INVALID_ARGUMENT for an invalid filter or a NULL argument
 * (then *out is NULL); WAVE_ERR_NO_MEMORY if allocation fails. */
WAVE_API wave_status wave_filter_compile(const char *filter, wave_filter **out);

/* As wave_filter_compile() with at most `max_depth` levels (0: no limit); topics given to
 * wave_filter_matches() are held to the same depth. */
WAVE_API wave_status wave_filter_compile_ex(const char *filter, unsigned max_depth,
                                            wave_filter **out);

/* Does the compiled `filter` match the topic of `topic_len` bytes at `topic` (need not be
 * NUL-terminated; an embedded NUL makes it invalid)?  1 match, 0 no match, -1 invalid topic
 * name (including deeper than the filter's max depth) or NULL filter/topic.  Validates the
 * topic fully, allocates nothing. */
WAVE_API int wave_filter_matches(const wave_filter *filter, const char *topic, size_t topic_len);

/* The filter text `filter` was compiled from.  Borrowed: valid until wave_filter_free();
 * NULL for a NULL filter. */
WAVE_API const char *wave_filter_text(const wave_filter *filter);

/* Frees a compiled filter.  Accepts NULL. */
WAVE_API void wave_filter_free(wave_filter *filter);

/* Does the ACL pattern `acl_filter` cover the subscription `sub_filter` (see "Coverage"
 * above)?  1 covered, 0 not, -1 invalid input (or NULL, or more than 10 levels). */
WAVE_API int wave_filter_covers(const char *acl_filter, const char *sub_filter);

/* As wave_filter_covers() with at most `max_depth` levels (0: no limit). */
WAVE_API int wave_filter_covers_ex(const char *acl_filter, const char *sub_filter,
                                   unsigned max_depth);

/* ---- Wave's IDs and ACL patterns ------------------------------------------------------ */

#define WAVE_TOPIC_USER_ID_SIZE 37  /* a canonical UUID: 36 chars + NUL */
#define WAVE_TOPIC_GROUP_ID_SIZE 65 /* the longest group ID: 64 chars + NUL */

/* 1 when `id` is a canonical lowercase UUID (Wave's internal user IDs), 0 otherwise. */
WAVE_API int wave_acl_is_valid_user_id(const char *id);

/* 1 when `group_id` is a canonical lowercase UUID or 1..64 characters of [A-Za-z0-9_-],
 * 0 otherwise. */
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
                                                char sender_out[WAVE_TOPIC_USER_ID_SIZE],
                                                char peer_out[WAVE_TOPIC_GROUP_ID_SIZE]);

/* ---- Authorizer ------------------------------------------------------------------------- */

/* One user's publish and subscribe ACL patterns, validated and compiled once.  Immutable:
 * one handle may be used by many threads at once; checks allocate nothing. */
typedef struct wave_authorizer wave_authorizer;

/*
 * Compiles the `n_publish` patterns at `publish` and the `n_subscribe` patterns at
 * `subscribe` (arrays of NUL-terminated filters, copied; an array may be NULL when its
 * count is 0; empty lists deny everything) into *out, freed with wave_authorizer_free().
 * Patterns and checked topics are held to at most 10 levels.
 * WAVE_ERR_INVALID_ARGUMENT when a pattern is NULL, not a valid filter, deeper than the
 * limit, or a "$share/..." subscription (ACL patterns are plain filters); then *out is NULL.
 */
WAVE_API wave_status wave_authorizer_new(const char *const *publish, size_t n_publish,
                                         const char *const *subscribe, size_t n_subscribe,
                                         wave_authorizer **out);

/* As wave_authorizer_new() with at most `max_depth` levels (0: no limit). */
WAVE_API wave_status wave_authorizer_new_ex(const char *const *publish, size_t n_publish,
                                            const char *const *subscribe, size_t n_subscribe,
                                            unsigned max_depth, wave_authorizer **out);

/* 1 when `topic` is a valid topic name matched by one of the publish patterns; 0 otherwise
 * (an invalid topic or a NULL argument too: a check never grants by mistake). */
WAVE_API int wave_authorizer_may_publish(const wave_authorizer *authorizer, const char *topic);

/* 1 when `filter` is a valid filter covered (see "Coverage") by one single subscribe
 * pattern; for "$share/<group>/<f>" the check applies to <f>.  0 otherwise (an invalid
 * filter or a NULL argument too). */
WAVE_API int wave_authorizer_may_subscribe(const wave_authorizer *authorizer,
                                           const char *filter);

/* Frees an authorizer.  Accepts NULL. */
WAVE_API void wave_authorizer_free(wave_authorizer *authorizer);

WAVE_END_DECLS

#endif /* WAVE_TOPIC_H */
