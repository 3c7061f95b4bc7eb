/*
 * listen_addr.c - parses and binds a listening address (listen_addr.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen_addr.h"

/* A port number 0..65535, all digits.  -1 when not one. */
static long parse_port(const char *s)
{
  char *end;
  long n;

  if (*s < '0' || *s > '9')
    return -1;
  errno = 0;
  n = strtol(s, &end, 10);
  return errno || *end || n > 65535 ? -1 : n;
}

/* Sets a->text from a->ss ("ADDR:PORT", IPv6 in brackets). */
static void describe(tf__listen_addr *a)
{
  char host[INET6_ADDRSTRLEN];

  if (a->ss.ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;

    inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
    snprintf(a->text, sizeof(a->text), "[%s]:%u", host, ntohs(s6->sin6_port));
  } else {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a->ss;

    inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
    snprintf(a->text, sizeof(a->text), "%s:%u", host, ntohs(s4->sin_port));
  }
}

static int set_address(tf__listen_addr *a, const char *host, long port)
{
  struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;

  memset(a, 0, sizeof(*a));
  if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    a->len = sizeof(*s4);
    a->loopback = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
  } else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
    a->len = sizeof(*s6);
    a->loopback = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
  } else {
    return -1;
  }
  describe(a);
  return 0;
}

int tf__listen_addr_parse(const char *spec, tf__listen_addr *a, char *err,
                          size_t errlen)
{
  char host[INET6_ADDRSTRLEN + 2];
  const char *colon = strrchr(spec, ':');
  size_t hostlen;
  int bracketed = 0;
  long port = parse_port(colon ? colon + 1 : spec);

  if (port < 0) {
    snprintf(err, errlen,
             "\"%s\": not PORT, IPV4:PORT or [IPV6]:PORT with a port from 0 "
             "to 65535",
             spec);
    return -1;
  }
  if (!colon)
    return set_address(a, "127.0.0.1", port);
  hostlen = (size_t)(colon - spec);
  if (hostlen >= 2 && spec[0] == '[' && spec[hostlen - 1] == ']') {
    spec++;
    hostlen -= 2;
    bracketed = 1;
  }
  /* an IPv6 address without brackets: which colon starts the port? */
  if (hostlen > 0 && hostlen < sizeof(host) &&
      (bracketed || !memchr(spec, ':', hostlen))) {
    memcpy(host, spec, hostlen);
    host[hostlen] = '\0';
    if (set_address(a, host, port) == 0)
      return 0;
  }
  snprintf(err, errlen,
           "\"%.*s\": not a numeric IPv4 or IPv6 address (IPv6 goes in "
           "brackets: [::1]:9464)",
           (int)hostlen, spec);
  return -1;
}

int tf__listen_addr_bind(tf__listen_addr *a, char *err, size_t errlen)
{
  int one = 1, saved;
  int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    goto fail;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, (struct sockaddr *)&a->ss, a->len) < 0 || listen(fd, 16) < 0)
    goto fail_close;
  if (getsockname(fd, (struct sockaddr *)&a->ss, &a->len) < 0)
    goto fail_close;
  describe(a);
  return fd;
fail_close:
  saved = errno;
  close(fd);
  errno = saved;
fail:
  snprintf(err, errlen, "cannot listen on %s: %s", a->text, strerror(errno));
  return -1;
}
