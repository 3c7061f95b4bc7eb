/*
 * source_drift.c - the `drift` source: Drift conversations and webhook
 * events (docs/formats.md#drift) read from NDJSON or CSV files, plain or gzip,
 * turned into `chat` events (docs/events.md).
 *
 * Owns the option table and the plugin lifecycle.  Reading files is the
 * SDK's tf_file_source; the chat rules are drift_chat (drift_chat.c,
 * drift_handle.c).  Conversations still open when the input ends are
 * decided then, from produce(), after tf_file_source_produce returned
 * TF_DONE.  The position is the file source's under "input" plus
 * drift_chat's state (README.md "Resuming").  With sorted_by_time the
 * chats go out through the file source's order check, and the watermark
 * is drift_chat's.
 */
#include <stdlib.h>
#include <touchflow/configcheck.h>
#include <touchflow/filesource.h>
#include <touchflow/plugin.h>
#include "drift_chat.h"

typedef struct source_drift {
  tf_file_source *files;
  drift_chat *chat;
  tf_ctx *ctx;         /* borrowed from init */
  const tf_host *host; /* borrowed from init */
} source_drift;

static const tf_option source_drift_options[] = {
    TF_FILE_SOURCE_OPTIONS,
    {"chat_enabled", TF_OPT_BOOL, "true", 0, 0, 0, NULL,
     "Make Web Chat events (docs/attribution-rules.md#drift-chat-rule-2; "
     "the script attribute data-chatEnabled). false: no chat event at all; "
     "the chats that would have been made are counted as "
     "chats_skipped_disabled."},
    {"bizible_id_attribute", TF_OPT_STRING, "biz_uid", 0, 0, 0, NULL,
     "The contact attribute (contact.attributes.<name>) holding the "
     "BizibleId. Absent on a contact: the chat's biz_uid is null and "
     "session_merge joins it by email."},
    {"sorted_by_time", TF_OPT_BOOL, "false", 0, 0, 0, NULL,
     "The chats come in event-time order: the records are sorted by time "
     "over all the files, read in name order. The source then promises the "
     "latest chat time as its watermark (held back while webhook "
     "conversations are open). A chat before an earlier one is "
     "dead-lettered as out_of_order."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

/* tf_file_source calls this for every record read. */
static int map_record(void *ud, tf_ctx *ctx, const tf_host *host,
                      const tf_record *rec)
{
  source_drift *s = ud;

  return drift_chat_handle(s->chat, rec);
}

static void source_drift_fini(void *state)
{
  source_drift *s = state;

  if (!s)
    return;
  tf_file_source_free(s->files);
  drift_chat_free(s->chat);
  free(s);
}

static int source_drift_init(tf_ctx *ctx, const tf_host *host,
                             const tf_config *cfg, void **state)
{
  source_drift *s = calloc(1, sizeof(*s));
  drift_chat_options options;
  int rc;

  *state = NULL;
  if (!s)
    return TF_ERR_NOMEM;
  s->ctx = ctx;
  s->host = host;
  rc = tf_check_logged(drift_chat_options_check, cfg, ctx, host);
  if (rc != TF_OK)
    goto out_free_source;
  rc = tf_file_source_new(ctx, host, cfg, map_record, s, &s->files);
  drift_chat_options_read(cfg, tf_file_source_time_order(s->files), &options);
  if (rc == TF_OK)
    rc = drift_chat_new(ctx, host, &options, &s->chat);
  if (rc != TF_OK)
    goto out_free_source;
  *state = s;
  return TF_OK;
out_free_source:
  source_drift_fini(s);
  return rc;
}

static int source_drift_produce(void *state, tf_ctx *ctx, size_t max_records)
{
  source_drift *s = state;
  size_t before = drift_chat_emitted(s->chat), used, emitted = 0;
  int rc;

  if (!drift_chat_draining(s->chat)) {
    rc = tf_file_source_produce(s->files, max_records);
    if (rc != TF_DONE)
      return rc;
    rc = drift_chat_finish(s->chat);
    if (rc != TF_OK)
      return rc;
  }
  used = drift_chat_emitted(s->chat) - before;
  return drift_chat_drain(s->chat, max_records > used ? max_records - used : 0,
                          &emitted);
}

/* {"input": the file source's position, "phase": ..., ...: drift_chat's
 * state (drift_position.c)}.  A new reference in *position. */
static int source_drift_position(void *state, json_t **position)
{
  source_drift *s = state;
  json_t *input = NULL, *pos = json_object();
  int rc = pos ? tf_file_source_position(s->files, &input) : TF_ERR_NOMEM;

  if (rc == TF_OK && json_object_set_new(pos, "input", input) != 0)
    rc = TF_ERR_NOMEM;
  return drift_chat_position(s->chat, pos, rc, position);
}

/* The file source first: it restores the order check, hold included,
 * which the open conversations drift_chat_load puts back rely on. */
static int source_drift_seek(void *state, const json_t *position)
{
  source_drift *s = state;
  const json_t *input = json_object_get(position, "input");
  int rc;

  if (!json_is_object(input)) {
    s->host->log(s->ctx, TF_LOG_ERROR,
                 "cannot resume from the position: \"input\" (the files' "
                 "position) is missing or not an object");
    return TF_ERR_INVAL;
  }
  rc = tf_file_source_seek(s->files, input);
  return rc == TF_OK ? drift_chat_load(s->chat, position) : rc;
}

static int64_t source_drift_watermark(void *state)
{
  source_drift *s = state;

  return drift_chat_watermark(s->chat);
}

static const tf_source_plugin source_drift_plugin = {
    TF_SOURCE_HEADER,
    .base.name = "drift",
    .base.version = "1.0.0",
    .base.description =
        "Reads Drift conversations and webhook events (NDJSON or CSV, plain or "
        "gzip) and emits a chat event for each conversation where the visitor "
        "gave an email.",
    .base.license = "MIT",
    .base.options = source_drift_options,
    .base.init = source_drift_init,
    .base.fini = source_drift_fini,
    .produce = source_drift_produce,
    .watermark = source_drift_watermark,
    .position = source_drift_position,
    .seek = source_drift_seek,
    .base.check = drift_chat_options_check,
};

TF_SOURCE_PLUGIN(source_drift, source_drift_plugin)
