/*
 * Wave: trustworthy identities and topic permissions for MQTT messaging.
 *
 * wave_common.h: conventions shared by every part of the C API: status codes, the
 * thread-local error message, versions, library-owned memory and global initialisation.
 * Include <wave/wave.h> rather than this file.
 *
 * Conventions that hold for every function unless its comment says otherwise:
 *  - Fallible calls return wave_status; WAVE_OK (0) is success.  On failure, a message
 *    for operators is available from wave_last_error_message() on the same thread, and
 *    every out-parameter is set to NULL/0.
 *  - A NULL handle or pointer argument yields WAVE_ERR_INVALID_ARGUMENT, never a crash.
 *  - Inputs are copied: the caller may free them as soon as the call returns.
 *  - Whatever comes back through `T **out` belongs to the caller, who frees it with the
 *    matching wave_T_free(); every *_free accepts NULL.  Strings Wave allocates are freed
 *    with wave_string_free().
 *  - No C++ exception, abort() or exit() crosses this API on bad input.
 *  - Text is NUL-terminated UTF-8; bytes are (const uint8_t *data, size_t len).
 *
 * Yes/no answers come in exactly three shapes:
 *  - Predicates ("is this valid?") return int 1 (yes) or 0 (no); NULL input is 0.
 *  - Tri-state questions that can also be asked wrongly ("does this filter match this
 *    topic?") return int 1 (yes), 0 (no) or -1 (invalid input, NULL included).
 *  - Checks that grant or refuse (bcrypt verify, broker authorisation) return wave_status:
 *    WAVE_OK grants, WAVE_ERR_DENIED refuses with the reason in wave_last_error_message(),
 *    and any other status is a fault the caller must treat as a refusal.
 *
 * The thread-local last error is written only by calls that return wave_status (each one
 * clears it on entry and sets it on failure).  Everything else never touches it: getters
 * (infallible accessors such as wave_group_name(), which return NULL/0 for a NULL handle
 * or an index out of range), predicates and tri-state questions, *_free(), version and
 * status-name calls.  So a message survives any number of such calls made while handling
 * the failure that set it.
 */
#ifndef WAVE_COMMON_H
#define WAVE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <wave/wave_export.h>
#include <wave/wave_version.h>

#ifdef __cplusplus
#define WAVE_BEGIN_DECLS extern "C" {
#define WAVE_END_DECLS }
#else
#define WAVE_BEGIN_DECLS
#define WAVE_END_DECLS
#endif

WAVE_BEGIN_DECLS

/*
 * Status codes.  Values are explicit and append-only: a value is never renumbered or
 * reused, and retired values stay reserved, so bindings may map them to exception types.
 */
typedef enum wave_status {
  WAVE_OK = 0,
  WAVE_ERR_INVALID_ARGUMENT = 1, /* a NULL, malformed or out-of-range argument */
  WAVE_ERR_NO_MEMORY = 2,        /* an allocation failed */
  WAVE_ERR_INTERNAL = 3,         /* a bug in Wave: please report it */
  WAVE_ERR_CONFIG = 4,           /* the configuration is missing or invalid */
  WAVE_ERR_INVALID_TOKEN = 5,    /* the token is malformed, or the app says it is invalid */
  WAVE_ERR_DENIED = 6,           /* authenticated, but not allowed (or a password mismatch) */
  WAVE_ERR_NOT_FOUND = 7,        /* the user, group or session does not exist */
  WAVE_ERR_UNAVAILABLE = 8,      /* a backend (Redis, MongoDB, app endpoint) cannot be reached */
  WAVE_ERR_TIMEOUT = 9,          /* a backend did not answer in time */
  WAVE_ERR_IO = 10,              /* reading or writing a local file failed */
  WAVE_ERR_PARSE = 11,           /* input text (JSON, URI, ...) could not be parsed */
  WAVE_ERR_UPSTREAM = 12,        /* the app endpoint answered, but not with a valid answer */
  WAVE_ERR_CONFLICT = 13,        /* the operation conflicts with the current state */
  WAVE_ERR_BACKEND = 14,         /* a backend answered with an error (a failed command) */
  WAVE_ERR_WOULD_BLOCK = 15,     /* a cache-only call needs I/O for its answer: ask again
                                    without the cache-only flag (not a refusal, not a fault) */
  WAVE_ERR_RATE_LIMITED = 16     /* refused for now: a per-user limit on a rate (group creations,
                                    credential changes) is spent; wave_last_error_retry_after_ms()
                                    says when to try again (HTTP 429 with Retry-After) */
} wave_status;

/* The symbolic name of a status ("WAVE_ERR_DENIED"), or "WAVE_ERR_UNKNOWN" for values this
 * version does not know.  Static storage; thread-safe. */
WAVE_API const char *wave_status_str(wave_status status);

/* The message of the last failed Wave call on this thread ("" when the last call
 * succeeded).  Owned by Wave, valid until the next Wave call on this thread.  Messages
 * never contain tokens, passwords or other secrets.  Thread-safe (thread-local). */
WAVE_API const char *wave_last_error_message(void);

/* When the last failed Wave call on this thread failed with WAVE_ERR_RATE_LIMITED: how many
 * milliseconds to wait before the refused operation may succeed (at least 1); 0 after any
 * other outcome.  Set by the failing call, cleared by the next call that returns wave_status;
 * a getter itself: it never touches the last error.  Thread-safe (thread-local). */
WAVE_API uint32_t wave_last_error_retry_after_ms(void);

/* The library's version, as WAVE_VERSION_STRING / WAVE_VERSION_NUMBER were when it was
 * built (compare with the macros to detect a header/library mismatch).  Thread-safe. */
WAVE_API const char *wave_version_string(void);
WAVE_API uint32_t wave_version_number(void);

/* Frees a string Wave allocated and handed to the caller.  Accepts NULL.  Thread-safe. */
WAVE_API void wave_string_free(char *string);

/* The size of a canonical UUID string, "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b": 36 chars + NUL.
 * Wave's internal user IDs are such UUIDs (lowercase); see wave_uuid_is_canonical(). */
#define WAVE_UUID_STRING_SIZE 37

/*
 * Process-wide initialisation of Wave's network dependencies (libcurl, mongo-c-driver).
 * Reference-counted: every successful wave_global_init() needs one wave_global_cleanup().
 * Functions that need it call it implicitly, so calling it is optional; call it explicitly
 * from the main thread before starting threads when the host program also uses libcurl.
 * It changes no process-wide hook: mongo-c-driver's log handler stays whatever the host
 * set (see wave_set_log_handler()).  Thread-safe.
 */
WAVE_API wave_status wave_global_init(void);
WAVE_API void wave_global_cleanup(void);

/* ---- Logging ------------------------------------------------------------------------ */

/* How much a log message matters.  Values are explicit and append-only. */
typedef enum wave_log_level {
  WAVE_LOG_DEBUG = 0,
  WAVE_LOG_INFO = 1,
  WAVE_LOG_WARNING = 2,
  WAVE_LOG_ERROR = 3
} wave_log_level;

/* Receives one log message: `message` is NUL-terminated UTF-8 (one line, no trailing
 * newline) borrowed for the duration of the call; `userdata` is what was given to
 * wave_set_log_handler().  It never contains tokens, passwords or other secrets. */
typedef void (*wave_log_callback)(wave_log_level level, const char *message, void *userdata);

/*
 * Routes Wave's log messages to `callback` (NULL: Wave logs nothing, the default).
 * Wave logs faults it reports (a backend unreachable or failing, an internal error) at
 * WAVE_LOG_WARNING / WAVE_LOG_ERROR, and, only while a callback is set, mongo-c-driver's
 * messages too, prefixed "mongoc[<domain>]: " (ERROR and CRITICAL become WAVE_LOG_ERROR,
 * WARNING WAVE_LOG_WARNING, MESSAGE and INFO WAVE_LOG_INFO, DEBUG and TRACE WAVE_LOG_DEBUG;
 * any "user:password@" in them is replaced by "***@").
 *
 * mongo-c-driver has one process-wide log handler: setting a callback takes it over
 * (mongoc_log_set_handler), and setting NULL afterwards gives it back to mongoc's default
 * handler, which prints to stdout/stderr.  Without a Wave callback Wave never touches that
 * handler: a host that installs its own mongoc handler keeps it (a NULL while no callback
 * is set changes nothing), unless it also sets a Wave callback.
 *
 * Threads: the callback is called synchronously from whichever thread produced the
 * message: the thread making a Wave call, or a mongo-c-driver background monitoring
 * thread; it may run on several threads at once and must be thread-safe.  It must not call
 * wave_set_log_handler(); other Wave calls are allowed, but what they would log while the
 * callback runs on that thread is dropped (no recursion).  When this function returns, the previous callback is no longer
 * running and will not be called again, so its userdata may be freed.  Thread-safe.
 */
WAVE_API void wave_set_log_handler(wave_log_callback callback, void *userdata);

WAVE_END_DECLS

#endif /* WAVE_COMMON_H */
