/*
 * wave_config.h: loading Wave's configuration and checking token formats.
 * Part of <wave/wave.h>.
 *
 * The config is a JSON object.  Required: "authenticationCheckEndpoint" (http or https URL
 * of the app's token check) and "tokenValidationRegex" (RE2 syntax, must match the whole
 * token).  Every other field is optional; README.md lists them with their defaults.
 * Unknown fields, wrong types and out-of-range values are errors that name the file and
 * the field.
 */
#ifndef WAVE_CONFIG_H
#define WAVE_CONFIG_H

#include <wave/wave_common.h>

WAVE_BEGIN_DECLS

/* A loaded, validated configuration.  Immutable once loaded: any number of threads may use
 * one wave_config at once; wave_config_free() must not race with them. */
typedef struct wave_config wave_config;

/* Environment variable naming the config file when no explicit path is given. */
#define WAVE_CONFIG_ENV "WAVE_CONFIG_FILE_PATH"

/*
 * Loads and validates the config file at `path`, or, when `path` is NULL, the file named
 * by $WAVE_CONFIG_FILE_PATH.  The token regex is compiled here, once.
 * On success *out is a new config the caller frees with wave_config_free().
 * Errors: WAVE_ERR_CONFIG (missing variable, unreadable file, bad JSON, unknown field, wrong
 * type, invalid value: the message names the file and the field), WAVE_ERR_INVALID_ARGUMENT.
 */
WAVE_API wave_status wave_config_load(const char *path, wave_config **out);

/* As wave_config_load() from JSON text in memory.  `origin` names it in messages (NULL:
 * "<string>"). */
WAVE_API wave_status wave_config_parse(const char *json, size_t json_len, const char *origin,
                                       wave_config **out);

/* Frees a config.  Accepts NULL. */
WAVE_API void wave_config_free(wave_config *config);

/*
 * The effective configuration (defaults filled in) as a JSON object, with every credential
 * in a URI replaced by "***": the password of a userinfo (which runs to the last '@', so a
 * password holding '@', ':', '/' or "%40" is cut whole; a userinfo without ':' is hidden
 * whole), the values of secret-looking query parameters (apikey, token, key, secret,
 * password, ...) and any fragment.  *out is the caller's, freed with wave_string_free().
 */
WAVE_API wave_status wave_config_to_json(const wave_config *config, char **out);

/*
 * Checks the format of `token` (token_len bytes): printable ASCII only (it travels in an
 * HTTP header), at most the configured tokenMaxLength bytes, and a full match of
 * tokenValidationRegex (RE2: linear time whatever the input).
 * WAVE_OK when well-formed; WAVE_ERR_INVALID_TOKEN with the reason (never the token) in
 * wave_last_error_message() otherwise.  Thread-safe.
 */
WAVE_API wave_status wave_token_check(const wave_config *config, const uint8_t *token,
                                      size_t token_len);

WAVE_END_DECLS

#endif /* WAVE_CONFIG_H */
