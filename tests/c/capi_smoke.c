/* A C99 program using only <wave/wave.h>: what an embedding C service does. */
#include <stdio.h>
#include <string.h>

#include <wave/wave.h>

int wave_headertest_c_marker(void);
int wave_headertest_cxx_marker(void);

static int failures = 0;
#define EXPECT(cond)                                              \
  do {                                                            \
    if (!(cond)) {                                                \
      fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                 \
    }                                                             \
  } while (0)

int main(void) {
  static const char config_json[] =
      "{\"authenticationCheckEndpoint\": \"http://127.0.0.1:1/check\","
      " \"tokenValidationRegex\": \"[A-Za-z0-9]{8,64}\"}";
  wave_config *config = NULL;
  char uuid[WAVE_UUID_STRING_SIZE];
  char hash[WAVE_BCRYPT_HASH_SIZE];
  char password[WAVE_MQTT_PASSWORD_SIZE];
  size_t password_len = 0;
  const uint8_t token[] = "abcdefgh12345678";

  EXPECT(wave_headertest_c_marker() == 1);
  EXPECT(wave_headertest_cxx_marker() == 1);
  EXPECT(strcmp(wave_version_string(), WAVE_VERSION_STRING) == 0);
  EXPECT(wave_global_init() == WAVE_OK);

  EXPECT(wave_config_parse(config_json, sizeof config_json - 1, "smoke", &config) == WAVE_OK);
  EXPECT(config != NULL);
  EXPECT(wave_token_check(config, token, sizeof token - 1) == WAVE_OK);
  EXPECT(wave_token_check(config, (const uint8_t *)"no", 2) == WAVE_ERR_INVALID_TOKEN);
  EXPECT(strlen(wave_last_error_message()) > 0);
  wave_config_free(config);

  EXPECT(wave_uuid_v4(uuid) == WAVE_OK);
  EXPECT(wave_uuid_is_canonical(uuid) == 1);

  EXPECT(wave_mqtt_password(token, sizeof token - 1, WAVE_PASSWORD_AUTO, password, &password_len) == WAVE_OK);
  EXPECT(password_len == sizeof token - 1);

  EXPECT(wave_bcrypt_hash(token, sizeof token - 1, 4, hash) == WAVE_OK);
  EXPECT(strncmp(hash, "$2a$04$", 7) == 0);
  EXPECT(wave_bcrypt_verify(token, sizeof token - 1, hash) == WAVE_OK);
  EXPECT(wave_bcrypt_verify((const uint8_t *)"wrong", 5, hash) == WAVE_ERR_DENIED);
  EXPECT(wave_bcrypt_verify(token, sizeof token - 1, "$2x$04$garbage") == WAVE_ERR_INVALID_ARGUMENT);

  EXPECT(wave_topic_matches("sport/#", "sport", 0) == 1);
  EXPECT(wave_topic_matches("+/x", "$SYS/x", WAVE_TOPIC_DEFAULT_MAX_DEPTH) == 0);
  EXPECT(wave_filter_covers("a/+", "a/#", 0) == 0);
  EXPECT(wave_acl_is_valid_group_id("team-1") == 1);

  /* The last error survives getters and predicates (wave_common.h). */
  EXPECT(wave_token_check(NULL, token, sizeof token - 1) == WAVE_ERR_INVALID_ARGUMENT);
  EXPECT(wave_uuid_is_canonical(NULL) == 0);
  EXPECT(wave_topic_is_valid_name(NULL, 0) == 0);
  EXPECT(strstr(wave_last_error_message(), "config") != NULL);

  wave_global_cleanup();
  if (failures == 0) printf("capi_smoke: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
