/*
 * crm_event.h - the Salesforce record -> event mapping of the `crm` source
 * and the settings it reads, kept apart from the plugin's lifecycle so
 * that tests can call it directly with hand-made records.
 */
#ifndef SOURCE_CRM_CRM_EVENT_H
#define SOURCE_CRM_CRM_EVENT_H

#include <touchflow/builder.h>
#include <touchflow/filesource.h>

/* The Salesforce object the input holds (option `object`). */
typedef enum crm_object {
  CRM_TASK,                    /* -> crm_activity */
  CRM_CAMPAIGN_MEMBER,         /* -> crm_campaign */
  CRM_LEAD,                    /* -> person */
  CRM_CONTACT,                 /* -> person */
  CRM_OPPORTUNITY,             /* -> opportunity (crm_revenue.c) */
  CRM_OPPORTUNITY_CONTACT_ROLE /* -> opportunity_contact (crm_revenue.c) */
} crm_object;

typedef struct crm_settings {
  crm_object object;
  tf_time_order *order; /* the source's order check; NULL: none */
} crm_settings;

/* What the source hands its file source as the mapping's ud: the settings
 * and the builder every event is written with (the source's own, one per
 * instance: a source maps its records one at a time). */
typedef struct crm_mapping {
  crm_settings settings;
  tf_builder *builder; /* borrowed; NULL: one is made for each record */
} crm_mapping;

/* A tf_file_source_map_fn; ud is a const crm_settings *.  Turns one
 * Salesforce record into its event (docs/events.md) built with a
 * tf_builder, keeping rec's file:line, and emits it through settings->order
 * (which dead-letters an event out of order), or rejects rec with one of the
 * codes listed in README.md.  rec is borrowed.  Returns TF_OK,
 * TF_ERR_NOMEM, or the error host->emit or host->reject returned. */
int source_crm_map_record(void *ud, tf_ctx *ctx, const tf_host *host,
                          const tf_record *rec);

/* The same, ud a const crm_mapping *: the events are written with its
 * builder, without a builder made and freed for each. */
int source_crm_map_record_with(void *ud, tf_ctx *ctx, const tf_host *host,
                               const tf_record *rec);

#endif
