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
 *  - Depth: every call takes `max_depth`, the most levels a topic or filter may have,
 *    counted over the whole string (for shared subscriptions "$share" and the group count
 *    too), as VerneMQ's topic_max_depth does.  0 means WAVE_TOPIC_DEFAULT_MAX_DEPTH (10),
 *    so a zeroed setting never lifts the limit; WAVE_TOPIC_UNLIMITED_DEPTH (or any larger
 *    value) means no limit.
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
 * Wave's own topic scheme (ACL patterns, sender identification, the authorizer) is in
 * wave_acl.h.
 *
 * Every function here is thread-safe.  The int predicates and tri-state questions never
 * touch wave_last_error_message() (see wave_common.h): their 0 or -1 says it all.
 */
#ifndef WAVE_TOPIC_H
#define WAVE_TOPIC_H

#include <wave/wave_common.h>

WAVE_BEGIN_DECLS

/* ---- Validation and matching -------------------------------------------------------- */

#define WAVE_TOPIC_MAX_LENGTH 65535     /* bytes, without the NUL */
#define WAVE_TOPIC_DEFAULT_MAX_DEPTH 10 /* levels, like VerneMQ's topic_max_depth default */
/* As a max_depth: no limit (a valid topic of 65535 bytes has at most 65536 levels). */
#define WAVE_TOPIC_UNLIMITED_DEPTH 65536u

/* 1 when `topic` is a valid topic name of at most `max_depth` levels (0: the default 10),
 * 0 otherwise (NULL too). */
WAVE_API int wave_topic_is_valid_name(const char *topic, unsigned max_depth);

/* 1 when `filter` is a valid topic filter of at most `max_depth` levels (0: the default
 * 10), including a well-formed "$share/<group>/<filter>"; 0 otherwise (NULL too). */
WAVE_API int wave_topic_is_valid_filter(const char *filter, unsigned max_depth);

/* Does `filter` match `topic`?  1 match, 0 no match, -1 invalid filter or topic (or NULL,
 * or more than `max_depth` levels; 0: the default 10).  Parses the filter on every call: to
 * match many topics against one filter, compile it (wave_filter_compile). */
WAVE_API int wave_topic_matches(const char *filter, const char *topic, unsigned max_depth);

/* ---- Compiled filters --------------------------------------------------------------- */

/* A topic filter parsed once, for matching many topics without allocation or re-parsing.
 * Immutable after wave_filter_compile(): one handle may be used by many threads at once. */
typedef struct wave_filter wave_filter;

/* Compiles `filter` (at most `max_depth` levels; 0: the default 10) into *out, which the
 * caller frees with wave_filter_free(); topics given to wave_filter_matches() are held to
 * the same depth.  WAVE_ERR_INVALID_ARGUMENT for an invalid filter or a NULL argument (then
 * *out is NULL); WAVE_ERR_NO_MEMORY if allocation fails. */
WAVE_API wave_status wave_filter_compile(const char *filter, unsigned max_depth, wave_filter **out);

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
 * above)?  1 covered, 0 not, -1 invalid input (or NULL, or more than `max_depth` levels;
 * 0: the default 10). */
WAVE_API int wave_filter_covers(const char *acl_filter, const char *sub_filter, unsigned max_depth);

WAVE_END_DECLS

#endif /* WAVE_TOPIC_H */
