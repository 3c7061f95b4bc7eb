/*
 * credit.c - milestones, model shares and the exact split of money
 * (docs/attribution-rules.md#attribution-models-and-revenue).
 *
 * Shares are exact fractions: a model's weights are whole thousandths of a
 * percent, the `others` weight is divided among k touchpoints and a weight
 * without a touchpoint among j (1 to 4) milestones, so every share is a
 * whole number over ATTR_WEIGHT_TOTAL * 12 * k (12 is divisible by 1, 2, 3
 * and 4).  Money is whole cents: amount * share is computed in 128 bits and
 * rounded by largest remainder, so no floating point touches an amount.
 */
#include <stdlib.h>
#include <string.h>
#include "credit.h"

__extension__ typedef unsigned __int128 attr_u128;

/* Thousandths of a percent. */
#define PCT(x) ((int32_t)((x)*1000))

const attr_model attr_builtin_models[ATTR_N_BUILTIN] = {
    {"first_touch", {PCT(100), 0, 0, 0}, 0, ATTR_RANGE_NONE},
    {"lead_creation", {0, PCT(100), 0, 0}, 0, ATTR_RANGE_NONE},
    {"u_shaped", {PCT(40), PCT(40), 0, 0}, PCT(20), ATTR_RANGE_FT_TO_LC},
    {"w_shaped", {PCT(30), PCT(30), PCT(30), 0}, PCT(10), ATTR_RANGE_UP_TO_OC},
    {"full_path", {22500, 22500, 22500, 22500}, PCT(10), ATTR_RANGE_ALL},
};

const attr_model *attr_model_named(const char *name)
{
  size_t i;

  for (i = 0; name && i < ATTR_N_BUILTIN; i++)
    if (strcmp(name, attr_builtin_models[i].name) == 0)
      return &attr_builtin_models[i];
  return NULL;
}

void attr_model_custom(attr_model *m, const int32_t weight[ATTR_N_MILESTONES],
                       int32_t others)
{
  m->name = "custom";
  memcpy(m->weight, weight, sizeof(m->weight));
  m->others = others;
  m->range = ATTR_RANGE_ALL;
}

void attr_find_milestones(const attr_step *steps, size_t n, int64_t created_ms,
                          int won, attr_milestones *ms)
{
  size_t i;

  for (i = 0; i < ATTR_N_MILESTONES; i++)
    ms->at[i] = -1;
  if (n == 0)
    return;
  ms->at[ATTR_FT] = 0;
  for (i = 0; i < n && ms->at[ATTR_LC] < 0; i++)
    if (steps[i].is_conversion)
      ms->at[ATTR_LC] = (long)i;
  for (i = 0; i < n && steps[i].ts_ms <= created_ms; i++)
    ms->at[ATTR_OC] = (long)i;
  if (won)
    ms->at[ATTR_CW] = (long)(n - 1);
}

/* 1 when step i is a milestone the model gives weight to. */
static int is_weighted_milestone(const attr_model *model,
                                 const attr_milestones *ms, size_t i)
{
  int m;

  for (m = 0; m < ATTR_N_MILESTONES; m++)
    if (model->weight[m] > 0 && ms->at[m] == (long)i)
      return 1;
  return 0;
}

/* The steps [*lo, *hi) that may share the model's `others`. */
static void others_range(const attr_model *model, const attr_milestones *ms,
                         size_t n, size_t *lo, size_t *hi)
{
  *lo = *hi = 0;
  switch (model->range) {
  case ATTR_RANGE_FT_TO_LC:
    if (ms->at[ATTR_LC] >= 0) {
      *lo = (size_t)ms->at[ATTR_FT] + 1;
      *hi = (size_t)ms->at[ATTR_LC];
    }
    break;
  case ATTR_RANGE_UP_TO_OC:
    if (ms->at[ATTR_OC] >= 0)
      *hi = (size_t)ms->at[ATTR_OC] + 1;
    break;
  case ATTR_RANGE_ALL: *hi = n; break;
  default: break;
  }
}

void attr_shares(const attr_model *model, const attr_milestones *ms, size_t n,
                 uint64_t *num, uint64_t *den)
{
  uint64_t missing = 0, k = 0, kk, j = 0;
  size_t i, lo, hi;
  int m, weighted_only = 1;

  memset(num, 0, n * sizeof(*num));
  others_range(model, ms, n, &lo, &hi);
  for (i = lo; i < hi; i++)
    if (!is_weighted_milestone(model, ms, i))
      k++;
  for (m = 0; m < ATTR_N_MILESTONES; m++) {
    if (model->weight[m] > 0 && ms->at[m] >= 0)
      j++;
    else
      missing += (uint64_t)model->weight[m];
  }
  if (k == 0)
    missing += (uint64_t)model->others;
  if (j == 0) { /* no milestone of the model: every milestone there is */
    weighted_only = 0;
    for (m = 0; m < ATTR_N_MILESTONES; m++)
      j += ms->at[m] >= 0;
  }
  kk = k ? k : 1;
  *den = (uint64_t)ATTR_WEIGHT_TOTAL * 12 * kk;
  for (m = 0; m < ATTR_N_MILESTONES; m++) {
    if (ms->at[m] < 0)
      continue;
    if (model->weight[m] > 0)
      num[ms->at[m]] += (uint64_t)model->weight[m] * 12 * kk;
    if (model->weight[m] > 0 || !weighted_only)
      num[ms->at[m]] += missing * (12 / j) * kk;
  }
  for (i = lo; k && i < hi; i++)
    if (!is_weighted_milestone(model, ms, i))
      num[i] += (uint64_t)model->others * 12;
}

/* The order of the leftover units: larger remainder first, then the
 * earlier step. */
typedef struct leftover {
  uint64_t rem;
  size_t i;
} leftover;

static int by_remainder(const void *a, const void *b)
{
  const leftover *x = a, *y = b;

  if (x->rem != y->rem)
    return x->rem > y->rem ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

int attr_allocate(int64_t amount, const uint64_t *num, uint64_t den, size_t n,
                  int64_t *out)
{
  uint64_t mag = amount < 0 ? (uint64_t)0 - (uint64_t)amount : (uint64_t)amount;
  uint64_t given = 0, left;
  leftover *order;
  size_t i;

  if (n == 0)
    return 0;
  order = malloc(n * sizeof(*order));
  if (!order)
    return -1;
  for (i = 0; i < n; i++) {
    attr_u128 exact = (attr_u128)mag * num[i];
    uint64_t whole = (uint64_t)(exact / den);

    order[i].rem = (uint64_t)(exact % den);
    order[i].i = i;
    given += whole;
    out[i] = (int64_t)whole;
  }
  /* The remainders add up to `left` times den, each below den: fewer
   * than n units are left, and only steps with a remainder get one. */
  left = mag - given;
  qsort(order, n, sizeof(*order), by_remainder);
  for (i = 0; i < n && left > 0; i++, left--)
    out[order[i].i]++;
  if (amount < 0)
    for (i = 0; i < n; i++)
      out[i] = -out[i];
  free(order);
  return 0;
}
