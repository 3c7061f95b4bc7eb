/*
 * crm_revenue.h - how the `crm` source turns Salesforce Opportunity and
 * OpportunityContactRole records into the `opportunity` and
 * `opportunity_contact` events the `attribution` transform reads
 * (docs/attribution-rules.md#attribution-models-and-revenue).  Kept apart
 * from crm_event.c, which maps the touchpoint and person objects.
 */
#ifndef SOURCE_CRM_CRM_REVENUE_H
#define SOURCE_CRM_CRM_REVENUE_H

#include <touchflow/filesource.h>
#include "crm_event.h"

/* A tf_file_source_map_fn like source_crm_map_record_with (ud a const
 * crm_mapping *) for the objects CRM_OPPORTUNITY and
 * CRM_OPPORTUNITY_CONTACT_ROLE: the event, or rec rejected with one of the
 * codes listed in README.md. */
int crm_revenue_map_record_with(void *ud, tf_ctx *ctx, const tf_host *host,
                                const tf_record *rec);

/* Reads a Salesforce currency amount written as decimal text ("12500",
 * "-3.5", "1000.00"; at most 15 digits before the point, and at most two
 * after it that are not zeros) into whole cents.  0, or -1 when text is
 * not such an amount. */
int crm_parse_amount(const char *text, size_t len, int64_t *cents);

#endif
