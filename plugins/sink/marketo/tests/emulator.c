/*
 * emulator.c - runs tests/marketo/emulator.py for the tests and talks to
 * its control API with a blocking libcurl handle (see emulator.h).
 *
 * Owns the child process and its temporary folder (the port file); the
 * waits are bounded so that a broken emulator fails the tests instead of
 * hanging them.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include "emulator.h"

static pid_t child = -1;
static int port;
static char dir[64];
static char port_file[96];
static char script[1024];

static void sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

  nanosleep(&ts, NULL);
}

static int on_path(const char *name)
{
  const char *path = getenv("PATH");
  char buf[1024];

  while (path && *path) {
    const char *colon = strchr(path, ':');
    size_t len = colon ? (size_t)(colon - path) : strlen(path);

    snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, name);
    if (access(buf, X_OK) == 0)
      return 1;
    path = colon ? colon + 1 : NULL;
  }
  return 0;
}

const char *emulator_missing(void)
{
  const char *src = getenv("TF_SRCDIR");

  snprintf(script, sizeof(script), "%s/tests/marketo/emulator.py",
           src ? src : ".");
  if (!on_path("python3"))
    return "python3 is not on PATH (Debian package python3)";
  if (access(script, R_OK) != 0)
    return "tests/marketo/emulator.py not found under $TF_SRCDIR";
  return NULL;
}

static void exec_emulator(void)
{
  int null = open("/dev/null", O_WRONLY);

  if (null >= 0) {
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    close(null);
  }
  execlp("python3", "python3", script, "--port", "0", "--port-file", port_file,
         "--client-id", EMU_CLIENT_ID, "--client-secret", EMU_CLIENT_SECRET,
         (char *)NULL);
  _exit(127);
}

static int read_port(void)
{
  FILE *f = fopen(port_file, "r");
  int p = 0;

  if (!f)
    return 0;
  if (fscanf(f, "%d", &p) != 1)
    p = 0;
  fclose(f);
  return p;
}

void emulator_start(void)
{
  int waited;

  ck_assert_ptr_null(emulator_missing());
  strcpy(dir, "/tmp/tf_mkto_XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(port_file, sizeof(port_file), "%s/port", dir);
  child = fork();
  ck_assert_int_ge(child, 0);
  if (child == 0)
    exec_emulator();
  for (waited = 0; waited < 10000 && !(port = read_port()); waited += 20) {
    ck_assert_msg(waitpid(child, NULL, WNOHANG) == 0,
                  "the emulator exited at start");
    sleep_ms(20);
  }
  ck_assert_msg(port > 0, "the emulator did not write its port in 10 s");
}

void emulator_stop(void)
{
  if (child > 0) {
    kill(child, SIGTERM);
    waitpid(child, NULL, 0);
  }
  child = -1;
  unlink(port_file);
  rmdir(dir);
}

int emulator_port(void)
{
  return port;
}

typedef struct buffer {
  char *data;
  size_t len;
} buffer;

static size_t collect(char *data, size_t size, size_t n, void *ud)
{
  buffer *b = ud;
  char *grown = realloc(b->data, b->len + size * n + 1);

  if (!grown)
    return 0;
  b->data = grown;
  memcpy(b->data + b->len, data, size * n);
  b->len += size * n;
  b->data[b->len] = '\0';
  return size * n;
}

json_t *emu_call(const char *method, const char *path, const char *body)
{
  CURL *curl = curl_easy_init();
  char url[2048];
  buffer b = {NULL, 0};
  json_error_t err;
  json_t *answer;
  CURLcode rc;

  ck_assert_ptr_nonnull(curl);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  if (body)
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
  rc = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  ck_assert_msg(rc == CURLE_OK, "%s %s: %s", method, path,
                curl_easy_strerror(rc));
  answer = json_loads(b.data ? b.data : "", 0, &err);
  ck_assert_msg(answer != NULL, "%s %s: not JSON: %s", method, path,
                b.data ? b.data : "");
  free(b.data);
  return answer;
}

void emu_reset(const char *body)
{
  json_t *answer = emu_call("POST", "/_emulator/reset", body);

  ck_assert_msg(json_is_true(json_object_get(answer, "ok")),
                "reset refused: %s",
                json_string_value(json_object_get(answer, "error")));
  json_decref(answer);
}

void emu_fault(const char *rule)
{
  json_t *answer = emu_call("POST", "/_emulator/faults", rule);

  ck_assert_msg(json_object_get(answer, "error") == NULL, "fault refused: %s",
                json_string_value(json_object_get(answer, "error")));
  json_decref(answer);
}

json_t *emu_leads(void)
{
  return emu_call("GET", "/_emulator/leads", NULL);
}

json_t *emu_stats(void)
{
  return emu_call("GET", "/_emulator/stats", NULL);
}
