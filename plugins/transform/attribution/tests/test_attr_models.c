/*
 * test_attr_models.c - the attribution models on hand-built journeys, and
 * a property test over generated ones: the credits of every opportunity
 * add up to its amount exactly.  Each test quotes the rule it checks from
 * docs/attribution-rules.md, "Attribution models and revenue".
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "credit.h"

#define MAX_STEPS 64

/* A journey from a spec, one character a touchpoint at t = 1000 * (i + 1):
 * 'c' a conversion, '.' anything else. */
static size_t journey(const char *spec, attr_step *steps)
{
  size_t i;

  for (i = 0; spec[i]; i++) {
    steps[i].ts_ms = 1000 * (int64_t)(i + 1);
    steps[i].is_conversion = spec[i] == 'c';
  }
  return i;
}

/* The time of step i of a spec journey (opportunity created then). */
#define AT(i) (1000 * (int64_t)((i) + 1))
#define BEFORE_ALL 0

/* Checks the percent each step earns under model (NULL: by name). */
static void expect_shares(const attr_model *model, const char *spec,
                          int64_t created_ms, int won, const double *want)
{
  attr_step steps[MAX_STEPS] = {{0, 0}};
  attr_milestones ms;
  uint64_t num[MAX_STEPS], den, sum = 0;
  size_t n = journey(spec, steps), i;

  attr_find_milestones(steps, n, created_ms, won, &ms);
  attr_shares(model, &ms, n, num, &den);
  for (i = 0; i < n; i++) {
    double pct = 100.0 * (double)num[i] / (double)den;

    ck_assert_msg(pct > want[i] - 1e-9 && pct < want[i] + 1e-9,
                  "%s on \"%s\": step %zu earns %.6f %%, expected %.6f %%",
                  model->name, spec, i, pct, want[i]);
    sum += num[i];
  }
  ck_assert_uint_eq(sum, den);
}

static const attr_model *model(const char *name)
{
  const attr_model *m = attr_model_named(name);

  ck_assert_ptr_nonnull(m);
  return m;
}

/* "FT (first touch) the first touchpoint; LC (lead creation) the first
 * conversion; OC the last touchpoint on or before the opportunity's
 * CreatedDate; CW the last touchpoint on or before the CloseDate of a won
 * opportunity." */
START_TEST(milestones_are_found)
{
  attr_step steps[MAX_STEPS] = {{0, 0}};
  attr_milestones ms;
  size_t n = journey("..c.c.", steps);

  attr_find_milestones(steps, n, AT(3), 1, &ms);
  ck_assert_int_eq(ms.at[ATTR_FT], 0);
  ck_assert_int_eq(ms.at[ATTR_LC], 2);
  ck_assert_int_eq(ms.at[ATTR_OC], 3); /* on the CreatedDate counts */
  ck_assert_int_eq(ms.at[ATTR_CW], 5);
  attr_find_milestones(steps, n, BEFORE_ALL, 0, &ms);
  ck_assert_int_eq(ms.at[ATTR_OC], -1);
  ck_assert_int_eq(ms.at[ATTR_CW], -1);
  n = journey("...", steps);
  attr_find_milestones(steps, n, AT(2), 0, &ms);
  ck_assert_int_eq(ms.at[ATTR_LC], -1);
}
END_TEST

/* "first touch: FT 100 %" */
START_TEST(first_touch_gives_everything_to_ft)
{
  static const double want[] = {100, 0, 0, 0};

  expect_shares(model("first_touch"), "..c.", AT(3), 1, want);
}
END_TEST

/* "lead creation: LC 100 %" */
START_TEST(lead_creation_gives_everything_to_lc)
{
  static const double want[] = {0, 0, 100, 0};

  expect_shares(model("lead_creation"), "..cc", AT(3), 1, want);
}
END_TEST

/* "A share with no touchpoint to go to (no intermediates, no LC yet) is
 * split equally over the milestones that exist": lead creation without a
 * conversion; FT and OC exist (open opportunity, no CW). */
START_TEST(lead_creation_without_lc_splits_over_existing_milestones)
{
  static const double want[] = {50, 0, 50, 0};

  expect_shares(model("lead_creation"), "....", AT(2), 0, want);
}
END_TEST

/* "U-shaped: FT 40 %, LC 40 %, the touchpoints between them share 20 %
 * equally" */
START_TEST(u_shaped_shares_between_ft_and_lc)
{
  static const double want[] = {40, 10, 10, 40, 0};

  expect_shares(model("u_shaped"), "...c.", AT(4), 1, want);
}
END_TEST

/* U-shaped with no intermediates: "a share with no touchpoint to go to (no
 * intermediates) is split equally over the milestones that exist" (of the
 * model: FT and LC). */
START_TEST(u_shaped_without_intermediates)
{
  static const double want[] = {50, 50, 0};

  expect_shares(model("u_shaped"), ".c.", AT(2), 1, want);
}
END_TEST

/* "A touchpoint that is several milestones earns each share": FT and LC
 * coincide, there is no touchpoint between them. */
START_TEST(u_shaped_when_ft_is_lc)
{
  static const double want[] = {100, 0, 0};

  expect_shares(model("u_shaped"), "c..", AT(2), 1, want);
}
END_TEST

/* "no LC yet": U-shaped without a conversion; LC's 40 % and the 20 % of the
 * (absent) touchpoints between FT and LC go to FT. */
START_TEST(u_shaped_without_lc)
{
  static const double want[] = {100, 0, 0};

  expect_shares(model("u_shaped"), "...", AT(2), 0, want);
}
END_TEST

/* "W-shaped: FT 30 %, LC 30 %, OC 30 %, the others up to OC share 10 %" */
START_TEST(w_shaped_shares_up_to_oc)
{
  static const double want[] = {30, 5, 30, 5, 30, 0};

  expect_shares(model("w_shaped"), "..c...", AT(4), 1, want);
}
END_TEST

/* W-shaped when the opportunity was created before any touchpoint: no OC,
 * no touchpoint up to it; OC's 30 % and the others' 10 % are split over FT
 * and LC. */
START_TEST(w_shaped_without_oc)
{
  static const double want[] = {50, 50, 0};

  expect_shares(model("w_shaped"), ".c.", BEFORE_ALL, 0, want);
}
END_TEST

/* W-shaped where LC and OC coincide (the form fill created the
 * opportunity): that touchpoint earns both shares. */
START_TEST(w_shaped_when_lc_is_oc)
{
  static const double want[] = {30, 10, 60, 0};

  expect_shares(model("w_shaped"), "..c.", AT(2), 1, want);
}
END_TEST

/* "full path: FT, LC, OC, CW 22.5 % each, the others share 10 %" */
START_TEST(full_path_won)
{
  static const double want[] = {22.5, 22.5, 5, 22.5, 5, 22.5};

  expect_shares(model("full_path"), ".c....", AT(3), 1, want);
}
END_TEST

/* Full path of an open opportunity: no CW, so its 22.5 % is split over FT,
 * LC and OC ("the milestones that exist"). */
START_TEST(full_path_open_has_no_cw)
{
  static const double want[] = {30, 30, 5, 30, 5};

  expect_shares(model("full_path"), ".c...", AT(3), 0, want);
}
END_TEST

/* Full path on one touchpoint that is FT, LC, OC and CW: "A touchpoint that
 * is several milestones earns each share", and the others' 10 % has nobody
 * else to go to. */
START_TEST(full_path_all_milestones_coincide)
{
  static const double want[] = {100};

  expect_shares(model("full_path"), "c", AT(0), 1, want);
}
END_TEST

/* "custom: the user's weights for the milestones and for the rest" */
START_TEST(custom_weights)
{
  static const int32_t w[ATTR_N_MILESTONES] = {10000, 20000, 30000, 30000};
  static const double want[] = {10, 5, 20, 5, 30, 30};
  attr_model m;

  attr_model_custom(&m, w, 10000);
  expect_shares(&m, "..c...", AT(4), 1, want);
}
END_TEST

/* Custom weights on CW alone for an open opportunity: no milestone of the
 * model exists, so its share goes to the milestones that do (FT, OC). */
START_TEST(custom_without_any_weighted_milestone)
{
  static const int32_t w[ATTR_N_MILESTONES] = {0, 0, 0, 100000};
  static const double want[] = {50, 0, 50, 0};
  attr_model m;

  attr_model_custom(&m, w, 0);
  expect_shares(&m, "....", AT(2), 0, want);
}
END_TEST

/* Money: the exact shares rounded down, the cents left over to the largest
 * remainders, ties to the earlier touchpoint. */
START_TEST(allocation_by_largest_remainder)
{
  uint64_t thirds[] = {1, 1, 1}, uneven[] = {2, 1};
  int64_t out[3];

  ck_assert_int_eq(attr_allocate(10000, thirds, 3, 3, out), 0);
  ck_assert_int_eq(out[0], 3334);
  ck_assert_int_eq(out[1], 3333);
  ck_assert_int_eq(out[2], 3333);
  ck_assert_int_eq(attr_allocate(2, thirds, 3, 3, out), 0);
  ck_assert_int_eq(out[0], 1);
  ck_assert_int_eq(out[1], 1);
  ck_assert_int_eq(out[2], 0);
  /* 100 cents, 2/3 and 1/3: 66.67 -> 66 + 1 left to the larger remainder */
  ck_assert_int_eq(attr_allocate(100, uneven, 3, 2, out), 0);
  ck_assert_int_eq(out[0], 67);
  ck_assert_int_eq(out[1], 33);
  ck_assert_int_eq(attr_allocate(-100, uneven, 3, 2, out), 0);
  ck_assert_int_eq(out[0], -67);
  ck_assert_int_eq(out[1], -33);
}
END_TEST

/* --- Property ------------------------------------------------------------ */

static uint64_t prng_state;

static uint64_t next_random(void)
{
  uint64_t x = prng_state;

  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return prng_state = x;
}

static uint64_t below(uint64_t n)
{
  return next_random() % n;
}

/* Random custom weights adding up to 100 %. */
static void random_custom(attr_model *m)
{
  int32_t w[ATTR_N_MILESTONES], left = ATTR_WEIGHT_TOTAL;
  int i;

  for (i = 0; i < ATTR_N_MILESTONES; i++) {
    w[i] = below(3) ? (int32_t)below((uint64_t)left + 1) : 0;
    left -= w[i];
  }
  attr_model_custom(m, w, left);
}

/* "the credits of one opportunity always add up to 100 % of its amount",
 * over 3000 generated opportunities (seeded, so a failure repeats), every
 * model: the shares add up to the whole, the cents to the amount, and each
 * credit is within one cent of its exact share. */
START_TEST(credits_add_up_to_the_amount)
{
  static attr_step steps[300];
  static uint64_t num[300];
  static int64_t cents[300];
  attr_model models[ATTR_N_BUILTIN + 1];
  attr_milestones ms;
  int opp, m, i;

  prng_state = 0x9e3779b97f4a7c15ull;
  for (opp = 0; opp < 3000; opp++) {
    int n = 1 + (int)below(opp % 10 == 0 ? 300 : 12);
    int64_t amount =
        (int64_t)below(opp % 7 == 0 ? 100000000000000ull : 1000000);
    int64_t t = 0;

    if (opp % 13 == 0)
      amount = -amount;
    for (i = 0; i < n; i++) {
      t += (int64_t)below(3) * 1000; /* equal times happen */
      steps[i].ts_ms = t;
      steps[i].is_conversion = below(4) == 0;
    }
    memcpy(models, attr_builtin_models, sizeof(attr_builtin_models));
    random_custom(&models[ATTR_N_BUILTIN]);
    attr_find_milestones(steps, (size_t)n, (int64_t)below((uint64_t)t + 2000),
                         (int)below(2), &ms);
    for (m = 0; m <= ATTR_N_BUILTIN; m++) {
      uint64_t den, share_sum = 0;
      int64_t sum = 0;

      attr_shares(&models[m], &ms, (size_t)n, num, &den);
      ck_assert_int_eq(attr_allocate(amount, num, den, (size_t)n, cents), 0);
      for (i = 0; i < n; i++) {
        long double exact = (long double)amount * num[i] / den;

        share_sum += num[i];
        sum += cents[i];
        ck_assert_msg(cents[i] - exact < 1 && exact - cents[i] < 1,
                      "opportunity %d, %s: %lld cents for an exact %Lf", opp,
                      models[m].name, (long long)cents[i], exact);
        ck_assert_msg(num[i] || cents[i] == 0, "a credit without a share");
      }
      ck_assert_uint_eq(share_sum, den);
      ck_assert_msg(sum == amount,
                    "opportunity %d, %s: credits add up to %lld, not %lld", opp,
                    models[m].name, (long long)sum, (long long)amount);
    }
  }
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("attr_models");
  TCase *tc = tcase_create("models");

  tcase_add_test(tc, milestones_are_found);
  tcase_add_test(tc, first_touch_gives_everything_to_ft);
  tcase_add_test(tc, lead_creation_gives_everything_to_lc);
  tcase_add_test(tc, lead_creation_without_lc_splits_over_existing_milestones);
  tcase_add_test(tc, u_shaped_shares_between_ft_and_lc);
  tcase_add_test(tc, u_shaped_without_intermediates);
  tcase_add_test(tc, u_shaped_when_ft_is_lc);
  tcase_add_test(tc, u_shaped_without_lc);
  tcase_add_test(tc, w_shaped_shares_up_to_oc);
  tcase_add_test(tc, w_shaped_without_oc);
  tcase_add_test(tc, w_shaped_when_lc_is_oc);
  tcase_add_test(tc, full_path_won);
  tcase_add_test(tc, full_path_open_has_no_cw);
  tcase_add_test(tc, full_path_all_milestones_coincide);
  tcase_add_test(tc, custom_weights);
  tcase_add_test(tc, custom_without_any_weighted_milestone);
  tcase_add_test(tc, allocation_by_largest_remainder);
  tcase_add_test(tc, credits_add_up_to_the_amount);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(suite());
  int failed;

  srunner_run_all(sr, CK_ENV);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
