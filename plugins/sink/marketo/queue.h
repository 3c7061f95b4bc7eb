/*
 * queue.h - records waiting to be sent, grouped by dedupe value, and the
 * dedupe values whose batch is on its way.
 *
 * Records of one dedupe value are merged into one pending group (in arrival
 * order).  A group whose value is already in a running batch waits until
 * that batch ends: one lead is never written by two calls at once, so the
 * last record always wins and a create never races our own create.
 */
#ifndef MKTO_QUEUE_H
#define MKTO_QUEUE_H

#include <stddef.h>
#include <jansson.h>
#include <touchflow/record.h>
#include "group.h"
#include "strmap.h"

typedef struct mkto_queue {
  mkto_group *head, *tail; /* pending groups, oldest first */
  size_t n_groups;
  size_t n_merged;      /* records merged into an existing group */
  mkto_strmap *pending; /* key -> pending group */
  mkto_strmap *busy;    /* keys of groups in a running batch */
} mkto_queue;

/* TF_OK or TF_ERR_NOMEM. */
int mkto_queue_init(mkto_queue *queue);

/* Frees the pending groups (dropping their records) and the maps. */
void mkto_queue_clear(mkto_queue *queue);

/* Adds a record with its key and fields (both stolen) to the pending group
 * of that key, or to a new one.  TF_OK or TF_ERR_NOMEM. */
int mkto_queue_add(mkto_queue *queue, char *key, json_t *fields,
                   tf_record *rec);

/* How many pending groups could start now (their key is not busy),
 * counting up to `max`. */
size_t mkto_queue_ready(const mkto_queue *queue, size_t max);

/* Takes up to max ready groups, oldest first, whose fields together stay
 * under max_bytes of JSON (at least one group), into out; marks their keys
 * busy.  Returns how many. */
size_t mkto_queue_take(mkto_queue *queue, mkto_group **out, size_t max,
                       size_t max_bytes);

/* The batch holding key ended: its key is free again. */
void mkto_queue_release(mkto_queue *queue, const char *key);

#endif
