/*
 * suite.c - the helpers checks share: starting an instance with the
 * sample config and reading the input records (see suite.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <touchflow/linereader.h>

#include "suite.h"

tf_conf_run tf_conf;

json_t *tf_conf_sample_config(void)
{
  char err[TF_CONF_MSG];
  json_t *cfg = tf_conf_file_expand(tf_conf.file.config, err, sizeof(err));

  ck_assert_msg(cfg != NULL, "the sample config: %s", err);
  return cfg;
}

tf_check_host *tf_conf_start(const json_t *config)
{
  json_t *owned = config ? NULL : tf_conf_sample_config();
  tf_check_host *h = tf_check_host_new(tf_conf.plugin, "conformance");
  char msgs[TF_CONF_MSG];
  int rc;

  ck_assert_msg(h != NULL, "out of memory");
  rc = tf_check_host_init_unchecked(h, config ? config : owned,
                                    tf_conf.file.fixtures_dir);
  json_decref(owned);
  if (rc != TF_OK) {
    tf_check_messages_text(h, msgs, sizeof(msgs));
    tf_check_host_free(h);
    ck_abort_msg("expected init() with the %s config to succeed, it "
                 "returned %d (%s): %s",
                 config ? "given" : "sample", rc, tf_strerror(rc), msgs);
  }
  return h;
}

/* Appends the record on one NDJSON line; fails the check when the line is
 * not a JSON object. */
static void push_line(tf_batch *batch, const char *path, const tf_line *line)
{
  tf_origin origin = {path, line->number};
  char err[256];
  tf_record *rec =
      tf_record_parse(line->text, line->len, &origin, err, sizeof(err));

  ck_assert_msg(rec != NULL, "%s:%ld: input records must be JSON objects: %s",
                path, line->number, err);
  ck_assert_int_eq(tf_batch_push(batch, rec), TF_OK);
}

tf_batch *tf_conf_input_batch(void)
{
  const char *path =
      tf_conf.file.input_path ? tf_conf.file.input_path : tf_conf.default_input;
  tf_batch *batch = tf_batch_new();
  tf_line_reader *in = NULL;
  tf_line line;
  int rc;

  ck_assert_msg(batch != NULL, "out of memory");
  ck_assert_msg(path != NULL, "no input records: set \"input\" in the "
                              "conformance file");
  rc = tf_line_reader_open(&in, path, TF_COMPRESSION_AUTO, 0);
  ck_assert_msg(rc == TF_OK, "%s: cannot read the input records: %s", path,
                tf_strerror(rc));
  while ((rc = tf_line_reader_next(in, &line)) == TF_OK)
    if (line.len > 0)
      push_line(batch, path, &line);
  ck_assert_msg(rc == TF_LINE_EOF, "%s", tf_line_reader_error(in));
  tf_line_reader_close(in);
  ck_assert_msg(tf_batch_count(batch) > 0, "%s: no input records", path);
  return batch;
}

void tf_conf_done(tf_check_host *h, tf_batch *batch, json_t *config)
{
  tf_check_host_free(h);
  tf_batch_free(batch);
  json_decref(config);
}

/* The child's side: runs the case and writes its message to fd. */
static void run_child(int fd, tf_conf_case_fn fn, const void *arg)
{
  char msg[TF_CONF_MSG] = "";
  int rc = fn(arg, msg, sizeof(msg));
  size_t off = 0, n = strlen(msg);

  while (off < n) {
    ssize_t w = write(fd, msg + off, n - off);

    if (w <= 0)
      break;
    off += (size_t)w;
  }
  close(fd);
  _exit(rc == 0 ? 0 : 1);
}

int tf_conf_isolated(tf_conf_case_fn fn, const void *arg, char *why, size_t len)
{
  int fds[2], status = 0;
  size_t used = 0;
  ssize_t n;
  pid_t pid;

  why[0] = '\0';
  ck_assert_msg(pipe(fds) == 0, "pipe: cannot start a child process");
  fflush(NULL);
  pid = fork();
  ck_assert_msg(pid >= 0, "fork: cannot start a child process");
  if (pid == 0) {
    close(fds[0]);
    run_child(fds[1], fn, arg);
  }
  close(fds[1]);
  while (used + 1 < len && (n = read(fds[0], why + used, len - used - 1)) > 0)
    used += (size_t)n;
  why[used] = '\0';
  close(fds[0]);
  while (waitpid(pid, &status, 0) < 0)
    continue;
  if (WIFSIGNALED(status)) {
    snprintf(why, len, "crashed: killed by signal %d (%s)", WTERMSIG(status),
             strsignal(WTERMSIG(status)));
    return -1;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  if (!why[0])
    snprintf(why, len, "exited with status %d", WEXITSTATUS(status));
  return -1;
}
