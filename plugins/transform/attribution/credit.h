/*
 * credit.h - the attribution models of the `attribution` transform as pure
 * arithmetic: the milestones of one opportunity's journey, each
 * touchpoint's share of a model, and the split of an amount of money into
 * whole cents that add up to it exactly
 * (docs/attribution-rules.md#attribution-models-and-revenue).
 *
 * Knows nothing of records: a journey is an array of steps in journey order
 * (date, then touchpoint_id), so that tests can hand-build one.
 */
#ifndef ATTRIBUTION_CREDIT_H
#define ATTRIBUTION_CREDIT_H

#include <stddef.h>
#include <stdint.h>

/* The milestones, in this order everywhere (weights, labels). */
typedef enum attr_milestone {
  ATTR_FT, /* first touch */
  ATTR_LC, /* lead creation */
  ATTR_OC, /* opportunity creation */
  ATTR_CW, /* closed won */
  ATTR_N_MILESTONES
} attr_milestone;

/* 100 % in weight units: weights are thousandths of a percent. */
#define ATTR_WEIGHT_TOTAL 100000

/* Which touchpoints share a model's `others` weight. */
typedef enum attr_range {
  ATTR_RANGE_NONE,     /* nobody: the model has no `others` */
  ATTR_RANGE_FT_TO_LC, /* strictly between FT and LC (U-shaped) */
  ATTR_RANGE_UP_TO_OC, /* from FT up to OC (W-shaped) */
  ATTR_RANGE_ALL       /* the whole journey (full path, custom) */
} attr_range;

typedef struct attr_model {
  const char *name;                  /* as in the option `models` */
  int32_t weight[ATTR_N_MILESTONES]; /* weight units */
  int32_t others;                    /* weight units */
  attr_range range;
} attr_model;

/* The five models of the rules, in the order of the option's default;
 * ATTR_N_BUILTIN of them.  "custom" is built from the user's weights with
 * attr_model_custom(). */
#define ATTR_N_BUILTIN 5
extern const attr_model attr_builtin_models[ATTR_N_BUILTIN];

/* The model named name among the five, or NULL. */
const attr_model *attr_model_named(const char *name);

/* Fills m as the custom model with the given weights (weight units, their
 * sum ATTR_WEIGHT_TOTAL); its others share the whole journey. */
void attr_model_custom(attr_model *m, const int32_t weight[ATTR_N_MILESTONES],
                       int32_t others);

/* One touchpoint of a journey. */
typedef struct attr_step {
  int64_t ts_ms;
  int is_conversion; /* its type is one of the conversion types */
} attr_step;

/* Where each milestone is in the journey: an index, or -1 when it has
 * none. */
typedef struct attr_milestones {
  long at[ATTR_N_MILESTONES];
} attr_milestones;

/* The milestones of a journey of n steps (already cut at the close date
 * when the opportunity is closed): FT the first step, LC the first
 * conversion, OC the last step at or before created_ms, CW the last step
 * when won. */
void attr_find_milestones(const attr_step *steps, size_t n, int64_t created_ms,
                          int won, attr_milestones *ms);

/* The share of each of the n steps under model: num[i] / *den of the
 * amount, the nums adding up to *den exactly.  Steps that earn nothing get
 * 0.  n must be at least 1 (FT exists). */
void attr_shares(const attr_model *model, const attr_milestones *ms, size_t n,
                 uint64_t *num, uint64_t *den);

/* Splits amount (minor units, cents; negative allowed) by the shares into
 * out[i] whole units: each is the exact share rounded down (toward zero
 * for a negative amount), then the units left over go one each to the
 * largest remainders, ties to the earlier step.  The outs add up to
 * amount exactly.  Returns 0, or -1 when memory runs out. */
int attr_allocate(int64_t amount, const uint64_t *num, uint64_t den, size_t n,
                  int64_t *out);

#endif
