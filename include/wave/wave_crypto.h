/*
 * wave_crypto.h: bcrypt, UUIDv4 and the MQTT password scheme.  Part of <wave/wave.h>.
 * Every function here is thread-safe and keeps no state between calls.
 */
#ifndef WAVE_CRYPTO_H
#define WAVE_CRYPTO_H

#include <wave/wave_common.h>

WAVE_BEGIN_DECLS

/* ---- bcrypt ------------------------------------------------------------------------ */

/* A bcrypt hash string: "$2a$" + 2-digit cost + "$" + 22 salt chars + 31 hash chars, NUL. */
#define WAVE_BCRYPT_HASH_SIZE 61 /* 60 chars + NUL */
#define WAVE_BCRYPT_MAX_PASSWORD 72 /* bcrypt reads no further */
#define WAVE_BCRYPT_MIN_COST 4
#define WAVE_BCRYPT_MAX_COST 31

/* Which "$2?$" prefix a new hash carries.  All three compute the same hash, OpenBSD's
 * (also pyca's and VerneMQ's Erlang bcrypt's): the key is the password plus its NUL
 * terminator.  Note that libxcrypt (crypt(3) on Debian) computes "$2a$" differently for a
 * few passwords with 0xff bytes (Openwall's countermeasure); "$2b$"/"$2y$" agree everywhere.
 * VerneMQ's MongoDB auth accepts only WAVE_BCRYPT_2A. */
typedef enum wave_bcrypt_prefix {
  WAVE_BCRYPT_2A = 0,
  WAVE_BCRYPT_2B = 1,
  WAVE_BCRYPT_2Y = 2
} wave_bcrypt_prefix;

/*
 * Hashes `password` (password_len bytes, any values except that bcrypt keys stop at a
 * NUL byte, so passwords containing NUL are refused) with a fresh 16-byte salt from
 * OpenSSL's CSPRNG, at `cost` (4..31, 2^cost rounds), as a "$2a$" string written to `out`.
 * Passwords over 72 bytes are refused (WAVE_ERR_INVALID_ARGUMENT): bcrypt would silently
 * ignore the rest, so two such passwords sharing 72 bytes would verify against each other.
 * The empty password is allowed (pass any non-NULL pointer with length 0); a NULL
 * password or `out` is WAVE_ERR_INVALID_ARGUMENT, as is a cost outside 4..31.
 * WAVE_ERR_INTERNAL if the CSPRNG fails.  Takes time: about 2^cost * 45 microseconds on a
 * current server core (cost 14: under a second).  Key material is wiped after use.
 * Thread-safe.  `out` is caller-owned; on failure it holds "" (when not NULL).
 */
WAVE_API wave_status wave_bcrypt_hash(const uint8_t *password, size_t password_len, int cost,
                                      char out[WAVE_BCRYPT_HASH_SIZE]);

/* As wave_bcrypt_hash() with an explicit prefix ($2b$ / $2y$ for other verifiers).  An
 * unknown prefix value is WAVE_ERR_INVALID_ARGUMENT. */
WAVE_API wave_status wave_bcrypt_hash_with_prefix(const uint8_t *password, size_t password_len,
                                                  int cost, wave_bcrypt_prefix prefix,
                                                  char out[WAVE_BCRYPT_HASH_SIZE]);

/*
 * Checks `password` against `hash` (a NUL-terminated "$2a$", "$2b$" or "$2y$" string),
 * comparing in constant time.  Like $2b$, only the first 72 bytes of the password count,
 * so hashes made by other bcrypt implementations verify; a password with a NUL byte in
 * those 72 bytes never matches (no bcrypt hash can come from one).
 * Returns WAVE_OK on a match, WAVE_ERR_DENIED on a mismatch, WAVE_ERR_INVALID_ARGUMENT
 * for NULL arguments or a malformed hash: anything but exactly 60 characters of
 * "$2a$"/"$2b$"/"$2y$", a two-digit cost 04..31, "$", 22 salt and 31 digest characters
 * of "./A-Za-z0-9".  "$2x$", "$2$", other crypt schemes, trailing bytes (a newline too)
 * and non-canonical strings (the unused low bits of the last salt or digest character
 * set; no bcrypt writes them, so such a string is damaged) are all malformed.  At most
 * WAVE_BCRYPT_HASH_SIZE bytes of `hash` are read.  Thread-safe.
 */
WAVE_API wave_status wave_bcrypt_verify(const uint8_t *password, size_t password_len,
                                        const char *hash);

/* ---- UUIDv4 ------------------------------------------------------------------------ */

/* Buffers hold WAVE_UUID_STRING_SIZE bytes (wave_common.h). */

/* Writes a new random (version 4, RFC 9562) UUID in canonical lowercase form, e.g.
 * "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b", from OpenSSL's CSPRNG.  Thread-safe. */
WAVE_API wave_status wave_uuid_v4(char out[WAVE_UUID_STRING_SIZE]);

/* 1 when `text` is a canonical lowercase UUID (any version), 0 otherwise (NULL too).
 * Wave's internal user IDs are exactly these. */
WAVE_API int wave_uuid_is_canonical(const char *text);

/* ---- MQTT password scheme ---------------------------------------------------------- */

/*
 * How the MQTT password is derived from the app token.  bcrypt reads only the first 72
 * bytes, so "password = token" would let tokens sharing a 72-byte prefix (typical JWTs)
 * pass each other's hash.
 *  WAVE_PASSWORD_AUTO:   the token itself when it is at most 72 bytes, otherwise
 *                        base64url(SHA-256(token)) without padding (43 chars).
 *  WAVE_PASSWORD_TOKEN:  always the token; tokens over 72 bytes are refused.
 *  WAVE_PASSWORD_SHA256: always base64url(SHA-256(token)) without padding.
 */
typedef enum wave_password_scheme {
  WAVE_PASSWORD_AUTO = 0,
  WAVE_PASSWORD_TOKEN = 1,
  WAVE_PASSWORD_SHA256 = 2
} wave_password_scheme;

/* Room for any derived password: 72 bytes + NUL. */
#define WAVE_MQTT_PASSWORD_SIZE 73

/*
 * Derives the MQTT password for `token` (token_len bytes) under `scheme` into `out`
 * (caller-owned, NUL-terminated), its length (without NUL) in *out_len when out_len is
 * not NULL.  Tokens with a NUL byte are refused.  WAVE_ERR_INVALID_ARGUMENT for a token over
 * 72 bytes under WAVE_PASSWORD_TOKEN, an unknown scheme or NULL arguments.  Thread-safe.
 */
WAVE_API wave_status wave_mqtt_password(const uint8_t *token, size_t token_len,
                                        wave_password_scheme scheme,
                                        char out[WAVE_MQTT_PASSWORD_SIZE], size_t *out_len);

/* Parses "auto", "token" or "sha256" into *out.  WAVE_ERR_INVALID_ARGUMENT otherwise. */
WAVE_API wave_status wave_password_scheme_parse(const char *name, wave_password_scheme *out);

/* "auto", "token", "sha256", or NULL for an unknown value.  Static storage. */
WAVE_API const char *wave_password_scheme_name(wave_password_scheme scheme);

WAVE_END_DECLS

#endif /* WAVE_CRYPTO_H */
