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
  printf("consumer: libwave %s, uuid %s\n", wave_version_string(), uuid);
  return 0;
}
