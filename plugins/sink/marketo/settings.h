/*
 * settings.h - the marketo sink's options and the settings read from them.
 *
 * settings.c owns the option table (what `touchflow inspect marketo` prints)
 * and the checks the host's table cannot express (the plugin's check()):
 * the endpoint's scheme, forbidden dedupe fields, the mapping a lead
 * creation needs, list_id for the audience sync types, retry_base within
 * retry_cap.  The partition and credentials checks need the network and
 * live in marketo.c.
 */
#ifndef MKTO_SETTINGS_H
#define MKTO_SETTINGS_H

#include <stdint.h>
#include <jansson.h>
#include <touchflow/host.h>
#include <touchflow/options.h>
#include <touchflow/plugin.h>

typedef enum mkto_sync_type {
  MKTO_SYNC_AUDIENCE,
  MKTO_SYNC_PROFILE,
  MKTO_SYNC_AUDIENCE_AND_PROFILE
} mkto_sync_type;

typedef struct mkto_config {
  char *endpoint; /* REST base URL without a trailing '/' */
  char *client_id;
  char *client_secret; /* never logged */
  mkto_sync_type sync_type;
  int write_profile; /* profile types: update (and maybe create) leads */
  int add_to_list;   /* audience types: add leads to list_id */
  int can_create;    /* profile types with update_and_create */
  char *dedupe_field;
  char *partition;
  int64_t list_id;
  json_t *mapping; /* Marketo field -> record path; a reference we own */
  int batch_size;
  int max_in_flight;
  int max_calls;
  int64_t rate_window_ms;
  int64_t connect_timeout_ms;
  int64_t request_timeout_ms;
  int max_retries;
  int64_t retry_base_ms;
  int64_t retry_cap_ms;
} mkto_config;

/* The option table of the plugin descriptor. */
extern const tf_option mkto_options[];

/* The plugin's check(): every problem of the validated config `given`
 * that needs no I/O, reported with its path inside the config.  Returns
 * TF_OK or TF_ERR_CONFIG. */
int mkto_config_check(const tf_config *given, tf_problem_fn problem, void *ud);

/* Runs mkto_config_check (logging every problem through host->log), then
 * reads the validated config into cfg (zeroed by the caller) and warns
 * about options the sync type ignores.  Returns TF_OK, TF_ERR_CONFIG or
 * TF_ERR_NOMEM.  On failure cfg may hold partial values: call
 * mkto_config_clear() in any case. */
int mkto_config_read(mkto_config *cfg, const tf_config *given, tf_ctx *ctx,
                     const tf_host *host);

/* Frees what cfg holds.  NULL-safe members. */
void mkto_config_clear(mkto_config *cfg);

#endif
