/*
 * test_sm_channel.c - the default channel table row by row, source,
 * medium and campaign, and channel_rules: reading (every problem with its
 * path), matching, and their precedence over the defaults.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "channel.h"
#include "rules.h"

#define PAGE "https://www.acme.com/"

static sm_rules *rules;
static char problems[4096];

static void setup(void)
{
  rules = NULL;
  problems[0] = '\0';
}

static void forget_signals(void);

static void teardown(void)
{
  forget_signals();
  sm_rules_free(rules);
}

/* The signals the last class was read from: a class borrows from them,
 * so they live until the next classify() or the teardown. */
static sm_signals signals;
static int have_signals;

static void forget_signals(void)
{
  if (have_signals)
    sm_signals_clear(&signals);
  have_signals = 0;
}

/* Classifies a hit with the current rules (NULL: defaults only). */
static sm_class classify(const char *url, const char *referrer)
{
  sm_class c;

  forget_signals();
  ck_assert_int_eq(sm_signals_read(url, referrer, &signals), TF_OK);
  have_signals = 1;
  sm_classify(rules, &signals, &c);
  return c;
}

static void expect_text(const char *what, const char *got, const char *want)
{
  if (!want)
    ck_assert_msg(got == NULL, "%s is \"%s\", expected null", what, got);
  else
    ck_assert_msg(got && strcmp(got, want) == 0, "%s is %s, expected \"%s\"",
                  what, got ? got : "null", want);
}

/* Asserts channel, source and medium of a hit. */
static void expect_class(const char *url, const char *referrer,
                         const char *channel, const char *source,
                         const char *medium)
{
  sm_class c = classify(url, referrer);

  expect_text("channel", c.channel, channel);
  expect_text("source", c.source, source);
  expect_text("medium", c.medium, medium);
}

/* --- The default table -------------------------------------------------- */

/* Paid Search: utm_medium cpc/ppc/paidsearch, or gclid/msclkid. */
START_TEST(default_paid_search_by_medium_or_click_id)
{
  expect_class(PAGE "?utm_source=google&utm_medium=cpc", NULL, SM_PAID_SEARCH,
               "google", "cpc");
  expect_class(PAGE "?utm_source=bing&utm_medium=PPC", NULL, SM_PAID_SEARCH,
               "bing", "PPC");
  expect_class(PAGE "?utm_medium=paidsearch", NULL, SM_PAID_SEARCH, "Web",
               "paidsearch");
  expect_class(PAGE "?gclid=Cj0", "https://www.google.com/", SM_PAID_SEARCH,
               "Google", "cpc");
  expect_class(PAGE "?msclkid=9", NULL, SM_PAID_SEARCH, "Bing", "cpc");
  expect_class(PAGE "?utm_medium=adwords-x&gclid=1", NULL, SM_PAID_SEARCH,
               "Google", "adwords-x");
}
END_TEST

/* Paid Social: paid social mediums, or a paid medium with a social click
 * id, referrer or source. */
START_TEST(default_paid_social_by_medium_or_paid_social_signal)
{
  expect_class(PAGE "?utm_source=linkedin&utm_medium=paid_social", NULL,
               SM_PAID_SOCIAL, "linkedin", "paid_social");
  expect_class(PAGE "?utm_medium=cpc&fbclid=IwAR", NULL, SM_PAID_SOCIAL,
               "Facebook", "cpc");
  expect_class(PAGE "?utm_medium=cpc&li_fat_id=1", NULL, SM_PAID_SOCIAL,
               "LinkedIn", "cpc");
  expect_class(PAGE "?utm_medium=cpm", "https://www.linkedin.com/",
               SM_PAID_SOCIAL, "LinkedIn", "cpm");
  expect_class(PAGE "?utm_source=Facebook&utm_medium=paid", NULL,
               SM_PAID_SOCIAL, "Facebook", "paid");
}
END_TEST

/* A utm_source is taken at its word: Google ads seen through a LinkedIn
 * referrer are still Paid Search. */
START_TEST(default_utm_source_outweighs_a_social_referrer)
{
  expect_class(PAGE "?utm_source=google&utm_medium=cpc",
               "https://www.linkedin.com/", SM_PAID_SEARCH, "google", "cpc");
  expect_class(PAGE "?utm_source=partner", "https://www.linkedin.com/",
               SM_WEB_REFERRAL, "partner", "referral");
}
END_TEST

/* Social: the referrer is a known social network (no paid medium). */
START_TEST(default_social_by_referrer_medium_or_click_id)
{
  expect_class(PAGE, "https://www.linkedin.com/feed/", SM_SOCIAL, "LinkedIn",
               "social");
  expect_class(PAGE, "https://t.co/abc", SM_SOCIAL, "Twitter", "social");
  expect_class(PAGE, "https://l.facebook.com/l.php", SM_SOCIAL, "Facebook",
               "social");
  expect_class(PAGE "?utm_source=twitter&utm_medium=social", NULL, SM_SOCIAL,
               "twitter", "social");
  expect_class(PAGE "?fbclid=IwAR", NULL, SM_SOCIAL, "Facebook", "social");
  expect_class(PAGE "?utm_source=linkedin", NULL, SM_SOCIAL, "linkedin",
               "social");
}
END_TEST

START_TEST(default_email_display_by_medium)
{
  expect_class(PAGE "?utm_source=newsletter&utm_medium=email&utm_campaign=m",
               NULL, SM_EMAIL, "newsletter", "email");
  expect_class(PAGE "?utm_source=gdn&utm_medium=display", NULL, SM_DISPLAY,
               "gdn", "display");
  expect_class(PAGE "?utm_source=dv360&utm_medium=banner", NULL, SM_DISPLAY,
               "dv360", "banner");
  expect_class(PAGE "?utm_source=dv360&utm_medium=cpm", NULL, SM_DISPLAY,
               "dv360", "cpm");
}
END_TEST

/* Organic Search: a search engine referrer without paid markers. */
START_TEST(default_organic_search_by_search_engine_referrer)
{
  expect_class(PAGE, "https://www.google.com/", SM_ORGANIC_SEARCH, "Google",
               "organic");
  expect_class(PAGE, "https://www.google.co.uk/search?q=acme",
               SM_ORGANIC_SEARCH, "Google", "organic");
  expect_class(PAGE, "https://www.bing.com/search?q=acme", SM_ORGANIC_SEARCH,
               "Bing", "organic");
  expect_class(PAGE, "https://duckduckgo.com/", SM_ORGANIC_SEARCH, "DuckDuckGo",
               "organic");
  expect_class(PAGE "?utm_medium=organic&utm_source=google", NULL,
               SM_ORGANIC_SEARCH, "google", "organic");
}
END_TEST

/* Web Referral: any other external referrer. */
START_TEST(default_web_referral_by_other_external_referrer)
{
  expect_class(PAGE, "https://blog.partner.org/post", SM_WEB_REFERRAL,
               "blog.partner.org", "referral");
  expect_class(PAGE, "https://www.google.example.com/", SM_WEB_REFERRAL,
               "google.example.com", "referral");
  expect_class(PAGE "?utm_source=partner&utm_medium=referral", NULL,
               SM_WEB_REFERRAL, "partner", "referral");
}
END_TEST

/* Direct: nothing (no UTM, no external referrer). */
START_TEST(default_direct_when_nothing_says_otherwise)
{
  expect_class(PAGE "pricing", NULL, SM_DIRECT, "Web Direct", NULL);
  expect_class(PAGE "pricing", "https://acme.com/", SM_DIRECT, "Web Direct",
               NULL);
}
END_TEST

/* Other: UTM present but an unknown medium, or UTM without a medium and no
 * referrer. */
START_TEST(default_other_for_unknown_medium)
{
  expect_class(PAGE "?utm_source=fair&utm_medium=print", NULL, SM_OTHER, "fair",
               "print");
  expect_class(PAGE "?utm_campaign=spring", NULL, SM_OTHER, "Web", NULL);
  expect_class(PAGE "?utm_source=google&utm_medium=print",
               "https://www.google.com/", SM_OTHER, "google", "print");
}
END_TEST

START_TEST(campaign_is_utm_campaign)
{
  sm_class c = classify(PAGE "?utm_campaign=spring%20sale", NULL);

  expect_text("campaign", c.campaign, "spring sale");
  c = classify(PAGE, "https://www.google.com/");
  expect_text("campaign", c.campaign, NULL);
}
END_TEST

START_TEST(channel_names_are_the_contracts)
{
  ck_assert_str_eq(sm_channel_canonical("Paid Social"), SM_PAID_SOCIAL);
  ck_assert_ptr_null(sm_channel_canonical("paid social"));
  ck_assert_ptr_null(sm_channel_canonical("Events"));
  ck_assert_ptr_null(sm_channel_canonical(NULL));
  ck_assert_ptr_nonnull(strstr(sm_channel_list(), "Web Referral"));
}
END_TEST

/* --- channel_rules ------------------------------------------------------ */

static void collect(void *ud, const char *path, const char *message)
{
  size_t n = strlen(problems);

  snprintf(problems + n, sizeof(problems) - n, "%s: %s\n", path, message);
}

static int read_rules(const char *json)
{
  json_t *list = json_loads(json, 0, NULL);
  int rc;

  ck_assert_ptr_nonnull(list);
  rc = sm_rules_new(list, collect, NULL, &rules);
  json_decref(list);
  return rc;
}

static void expect_problem(const char *line)
{
  ck_assert_msg(strstr(problems, line) != NULL, "\"%s\" not in:\n%s", line,
                problems);
}

START_TEST(rules_override_defaults_first_match_wins)
{
  ck_assert_int_eq(
      read_rules("[{\"channel\": \"Paid Social\", \"source\": \"LinkedIn\","
                 "  \"match\": {\"utm_medium\": [\"paid_social\", \"ads\"],"
                 "              \"referrer_host\": [\"linkedin.com\"]}},"
                 " {\"channel\": \"Display\", \"match\": {\"utm_medium\": "
                 "\"ads\"}},"
                 " {\"channel\": \"Email\", \"medium\": \"email\","
                 "  \"match\": {\"page_host\": \"go.acme.com\"}}]"),
      TF_OK);
  ck_assert_str_eq(problems, "");
  expect_class(PAGE "?utm_medium=ADS&utm_source=li",
               "https://lnkd.linkedin.com/", SM_PAID_SOCIAL, "LinkedIn", "ADS");
  expect_class(PAGE "?utm_medium=ads&utm_source=li", NULL, SM_DISPLAY, "li",
               "ads");
  expect_class("https://go.acme.com/spring", NULL, SM_EMAIL, "Web", "email");
  expect_class(PAGE, "https://www.google.com/", SM_ORGANIC_SEARCH, "Google",
               "organic");
}
END_TEST

START_TEST(rules_match_any_value_and_params)
{
  ck_assert_int_eq(
      read_rules("[{\"channel\": \"Paid Search\", \"source\": \"Capterra\","
                 "  \"match\": {\"param\": [\"capterra_click\"]}},"
                 " {\"channel\": \"Other\", \"match\": {\"utm_content\": "
                 "\"*\"}}]"),
      TF_OK);
  expect_class(PAGE "?capterra_click=1", NULL, SM_PAID_SEARCH, "Capterra",
               "cpc");
  expect_class(PAGE "?utm_content=banner&utm_medium=email", NULL, SM_OTHER,
               "Web", "email");
  expect_class(PAGE "?utm_medium=email", NULL, SM_EMAIL, "Web", "email");
}
END_TEST

START_TEST(rules_host_patterns_ignore_www_and_case)
{
  ck_assert_int_eq(read_rules("[{\"channel\": \"Web Referral\", \"source\": "
                              "\"G2\", \"match\": {\"referrer_host\": "
                              "\"WWW.G2.com\"}}]"),
                   TF_OK);
  expect_class(PAGE, "https://www.g2.com/products/acme", SM_WEB_REFERRAL, "G2",
               "referral");
}
END_TEST

START_TEST(rules_null_list_means_defaults_only)
{
  ck_assert_int_eq(sm_rules_new(NULL, collect, NULL, &rules), TF_OK);
  expect_class(PAGE, NULL, SM_DIRECT, "Web Direct", NULL);
}
END_TEST

START_TEST(rules_problems_are_reported_with_their_paths)
{
  ck_assert_int_eq(
      read_rules("[\"Paid Social\","
                 " {\"channel\": \"Paid Socail\", \"match\": {\"utm_medium\":"
                 " \"x\"}},"
                 " {\"match\": {\"utm_mediun\": \"x\"}, \"sorce\": \"y\"},"
                 " {\"channel\": \"Email\"},"
                 " {\"channel\": \"Email\", \"match\": {}},"
                 " {\"channel\": \"Email\", \"source\": \"\", \"match\": "
                 "{\"utm_source\": [\"ok\", 3, \"\"], \"param\": []}}]"),
      TF_ERR_CONFIG);
  ck_assert_ptr_null(rules);
  expect_problem("channel_rules[0]: expected an object with channel and match");
  expect_problem("channel_rules[1].channel: expected one of: Paid Search,");
  expect_problem("channel_rules[2]: missing \"channel\"");
  expect_problem("channel_rules[2].sorce: unknown key");
  expect_problem("channel_rules[2].match.utm_mediun: unknown condition");
  expect_problem("channel_rules[3]: missing \"match\"");
  expect_problem("channel_rules[4].match: expected an object with at least one "
                 "condition");
  expect_problem("channel_rules[5].source: expected a non-empty string");
  expect_problem("channel_rules[5].match.utm_source[1]: expected a non-empty "
                 "string");
  expect_problem("channel_rules[5].match.utm_source[2]: expected a non-empty "
                 "string");
  expect_problem("channel_rules[5].match.param: expected at least one value");
}
END_TEST

START_TEST(rules_must_be_a_list)
{
  ck_assert_int_eq(read_rules("{\"channel\": \"Email\"}"), TF_ERR_CONFIG);
  expect_problem("channel_rules: expected a list of rule objects");
}
END_TEST

static Suite *channel_suite(void)
{
  Suite *s = suite_create("session_merge channel");
  TCase *defaults = tcase_create("defaults");
  TCase *user = tcase_create("channel_rules");

  tcase_add_checked_fixture(defaults, setup, teardown);
  tcase_add_test(defaults, default_paid_search_by_medium_or_click_id);
  tcase_add_test(defaults, default_paid_social_by_medium_or_paid_social_signal);
  tcase_add_test(defaults, default_utm_source_outweighs_a_social_referrer);
  tcase_add_test(defaults, default_social_by_referrer_medium_or_click_id);
  tcase_add_test(defaults, default_email_display_by_medium);
  tcase_add_test(defaults, default_organic_search_by_search_engine_referrer);
  tcase_add_test(defaults, default_web_referral_by_other_external_referrer);
  tcase_add_test(defaults, default_direct_when_nothing_says_otherwise);
  tcase_add_test(defaults, default_other_for_unknown_medium);
  tcase_add_test(defaults, campaign_is_utm_campaign);
  tcase_add_test(defaults, channel_names_are_the_contracts);
  suite_add_tcase(s, defaults);
  tcase_add_checked_fixture(user, setup, teardown);
  tcase_add_test(user, rules_override_defaults_first_match_wins);
  tcase_add_test(user, rules_match_any_value_and_params);
  tcase_add_test(user, rules_host_patterns_ignore_www_and_case);
  tcase_add_test(user, rules_null_list_means_defaults_only);
  tcase_add_test(user, rules_problems_are_reported_with_their_paths);
  tcase_add_test(user, rules_must_be_a_list);
  suite_add_tcase(s, user);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(channel_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
