/*
 * gauge.c - heap bytes in use and open descriptors (see gauge.h).
 */
#include <dirent.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gauge.h"

#if defined(__SANITIZE_ADDRESS__)
#define TF_GAUGE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TF_GAUGE_ASAN 1
#endif
#endif

#ifdef TF_GAUGE_ASAN
/* From libasan (sanitizer/allocator_interface.h, which GCC does not
 * install). */
size_t __sanitizer_get_current_allocated_bytes(void);

size_t tf_gauge_heap_bytes(void)
{
  return __sanitizer_get_current_allocated_bytes();
}
#else
size_t tf_gauge_heap_bytes(void)
{
  struct mallinfo2 mi = mallinfo2();

  return mi.uordblks + mi.hblkhd;
}
#endif

size_t tf_gauge_open_fds(void)
{
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  size_t n = 0;

  if (!d)
    return 0;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.')
      n++;
  closedir(d);
  return n > 0 ? n - 1 : 0; /* not the descriptor opendir used */
}

const char *tf_gauge_fd_list(char *buf, size_t len)
{
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  size_t used = 0;

  buf[0] = '\0';
  if (!d)
    return buf;
  while ((e = readdir(d)) != NULL && used + 1 < len) {
    char link[300], target[256];
    ssize_t n;
    int w;

    if (e->d_name[0] == '.' || (int)strtol(e->d_name, NULL, 10) == dirfd(d))
      continue;
    snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
    n = readlink(link, target, sizeof(target) - 1);
    target[n > 0 ? n : 0] = '\0';
    w = snprintf(buf + used, len - used, "%s%s -> %s", used ? "; " : "",
                 e->d_name, target);
    if (w < 0)
      break;
    used += (size_t)w;
  }
  closedir(d);
  return buf;
}
