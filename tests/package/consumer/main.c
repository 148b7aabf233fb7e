#include <stdio.h>
#include <string.h>

#include <wave/wave.h>

int main(void) {
  char uuid[WAVE_UUID_STRING_SIZE];
  if (strcmp(wave_version_string(), WAVE_VERSION_STRING) != 0) {
    fprintf(stderr, "header %s, library %s\n", WAVE_VERSION_STRING, wave_version_string());
    return 1;
  }
  if (wave_uuid_v4(uuid) != WAVE_OK || !wave_uuid_is_canonical(uuid)) return 1;
  /* wave_acl.h is installed and part of the umbrella header. */
  if (wave_acl_is_valid_group_id(uuid) != 1) return 1;
  wave_set_log_handler(NULL, NULL);
  printf("consumer: libwave %s, uuid %s\n", wave_version_string(), uuid);
  return 0;
}
