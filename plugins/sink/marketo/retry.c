/*
 * retry.c - retry classes of Marketo error codes and full-jitter backoff.
 */
#include <stdlib.h>
#include <string.h>
#include "retry.h"

mkto_retry_class mkto_retry_class_of(const char *code)
{
  static const char *const transient[] = {"502", "604", "606", "608",
                                          "611", "615", "713", NULL};
  size_t i;

  if (!code)
    return MKTO_FAIL;
  if (strcmp(code, "601") == 0 || strcmp(code, "602") == 0)
    return MKTO_REAUTH;
  if (strcmp(code, "603") == 0)
    return MKTO_FATAL;
  for (i = 0; transient[i]; i++) {
    if (strcmp(code, transient[i]) == 0)
      return MKTO_BACKOFF;
  }
  return MKTO_FAIL;
}

int64_t mkto_backoff_ms(int64_t base_ms, int64_t cap_ms, int attempt,
                        unsigned *seed)
{
  int64_t ceiling = base_ms;
  int i;

  for (i = 0; i < attempt && ceiling < cap_ms; i++)
    ceiling *= 2;
  if (ceiling > cap_ms)
    ceiling = cap_ms;
  return (int64_t)rand_r(seed) % (ceiling + 1);
}
