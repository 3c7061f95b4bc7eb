/*
 * listen_addr.h - the address a server of the host listens on (internal).
 *
 * `--metrics-listen` takes PORT (then 127.0.0.1:PORT), IPV4:PORT or
 * [IPV6]:PORT, numeric only: a name would need a resolver and could mean
 * more than one address.  Port 0 lets the system choose a free port; the
 * bound address then holds the real one.  Loopback is the default and a
 * server open to the network must be asked for by its address.
 */
#ifndef TF_CORE_LISTEN_ADDR_H
#define TF_CORE_LISTEN_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

typedef struct tf__listen_addr {
  struct sockaddr_storage ss;
  socklen_t len;
  int loopback;  /* 127.0.0.0/8 or ::1 */
  char text[80]; /* "127.0.0.1:9464", "[::1]:9464" */
} tf__listen_addr;

/* Parses spec into *a.  0, or -1 with err saying what is wrong. */
int tf__listen_addr_parse(const char *spec, tf__listen_addr *a, char *err,
                          size_t errlen);

/* Opens a listening TCP socket on a; with port 0, a->ss and a->text then
 * name the port the system chose.  The socket (close-on-exec), or -1 with
 * err naming the address and the reason ("address already in use"). */
int tf__listen_addr_bind(tf__listen_addr *a, char *err, size_t errlen);

#endif
