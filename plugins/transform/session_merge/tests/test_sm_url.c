/*
 * test_sm_url.c - URL splitting, query parameters, host patterns (url.c)
 * and a hit's arrival signals (signals.c).
 */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "signals.h"
#include "url.h"

static void expect_param(const char *url, const char *name, const char *want);

static void expect_host(const char *text, const char *host)
{
  sm_url u;

  ck_assert_int_eq(sm_url_parse(text, &u), TF_OK);
  ck_assert_msg(strcmp(u.host, host) == 0, "host of %s is \"%s\", not \"%s\"",
                text ? text : "NULL", u.host, host);
  sm_url_clear(&u);
}

START_TEST(host_is_lowercased_without_www_port_or_userinfo)
{
  expect_host("https://WWW.Acme.COM/pricing", "acme.com");
  expect_host("http://user:pw@shop.acme.com:8443/x?y=1", "shop.acme.com");
  expect_host("https://acme.com./", "acme.com");
  expect_host("https://acme.com?utm_source=x", "acme.com");
  expect_host("https://acme.com#top", "acme.com");
  expect_host("https://[2001:db8::1]:443/", "[2001:db8::1]");
}
END_TEST

START_TEST(host_of_scheme_less_and_relative_urls)
{
  expect_host("www.google.com/search", "google.com");
  expect_host("//cdn.acme.com/a.js", "cdn.acme.com");
  expect_host("android-app://com.linkedin.android/", "com.linkedin.android");
  expect_host("/pricing?utm_source=x", "");
  expect_host("pricing", "");
  expect_host("", "");
  expect_host(NULL, "");
}
END_TEST

/* Schemes starting like http and https (read without the class loop) end
 * where any other scheme does; a short or cut text is never read past its
 * end. */
START_TEST(schemes_that_start_like_http)
{
  expect_host("http://a.com/x", "a.com");
  expect_host("https://b.com", "b.com");
  expect_host("httpsx://c.com/", "c.com");
  expect_host("http+x://d.com/", "d.com");
  expect_host("HTTP://E.com/", "e.com");
  expect_host("http:/f.com/", "");
  expect_host("https:x.com", "https"); /* no "//": host:port, leniently */
  expect_host("http", "");
  expect_host("https", "");
  expect_host("http:", "");
  expect_host("http.example.com/a", "http.example.com");
}
END_TEST

/* Lowercasing goes 8 bytes a step: every byte value, at every place of a
 * word and in hosts of every length up to 19 bytes (whole words, a last
 * word that overlaps, short hosts), is lowercased as tolower() does (A-Z
 * only; bytes from 0x80 are left as they are). */
START_TEST(host_lowercasing_matches_tolower_for_every_byte)
{
  char host[20];
  int c;
  size_t i, len;

  for (len = 1; len < sizeof(host); len++)
    for (c = 1; c < 256; c++) {
      if (c == '.')
        continue;
      memset(host, 'X', len);
      host[len / 2] = (char)c;
      host[len - 1] = (char)c;
      host[len] = '\0';
      sm_host_normalize(host);
      for (i = 0; i < len; i++)
        ck_assert_msg((unsigned char)host[i] ==
                          tolower(i == len / 2 || i == len - 1 ? c : 'X'),
                      "byte 0x%02x at %zu of %zu became 0x%02x", (unsigned)c, i,
                      len, (unsigned)(unsigned char)host[i]);
    }
  expect_host("https://B\xc3\x9c"
              "CHER.Example.DE/",
              "b\xc3\x9c"
              "cher.example.de");
}
END_TEST

/* Hosts up to SM_URL_HOST_INLINE - 1 bytes stay in the url, longer ones
 * are allocated: both read the same, and a long host is kept whole. */
START_TEST(long_hosts_are_kept_whole)
{
  char host[SM_URL_HOST_INLINE + 40], url[sizeof(host) + 32];
  size_t len;

  for (len = SM_URL_HOST_INLINE - 6; len < sizeof(host) - 1; len += 3) {
    memset(host, 'a', len);
    memcpy(host + len - 4, ".com", 5);
    snprintf(url, sizeof(url), "https://WWW.%s:80/p?utm_source=x#f", host);
    expect_host(url, host);
    expect_param(url, "utm_source", "x");
  }
}
END_TEST

/* The value of parameter name in url, or NULL; the caller frees it. */
static char *param(const char *url, const char *name)
{
  sm_url u;
  char *value;

  ck_assert_int_eq(sm_url_parse(url, &u), TF_OK);
  ck_assert_int_eq(sm_url_param(&u, name, &value), TF_OK);
  sm_url_clear(&u);
  return value;
}

static void expect_param(const char *url, const char *name, const char *want)
{
  char *got = param(url, name);

  if (!want)
    ck_assert_msg(got == NULL, "%s has %s=%s", url, name, got);
  else
    ck_assert_msg(got && strcmp(got, want) == 0, "%s: %s is %s, not %s", url,
                  name, got ? got : "absent", want);
  free(got);
}

START_TEST(query_parameters_are_found_and_decoded)
{
  const char *url = "https://acme.com/lp?utm_source=Google&UTM_Medium=cpc&"
                    "utm_campaign=spring+sale%20%C3%A9t%C3%A9&empty=&flag&"
                    "bad=%zz%4#frag=1";

  expect_param(url, "utm_source", "Google");
  expect_param(url, "utm_medium", "cpc");
  expect_param(url, "utm_campaign", "spring sale \xc3\xa9t\xc3\xa9");
  expect_param(url, "empty", "");
  expect_param(url, "flag", "");
  expect_param(url, "bad", "%zz%4");
  expect_param(url, "frag", NULL);
  expect_param(url, "utm_term", NULL);
  expect_param("https://acme.com/", "utm_source", NULL);
  expect_param("/x?a=1;b=2", "b", "2");
}
END_TEST

/* Decoded values must stay valid UTF-8 (they end up in JSON output): bytes
 * that are not, or a NUL, keep the value as written. */
START_TEST(undecodable_values_are_kept_as_written)
{
  expect_param("/?c=%FF%FE", "c", "%FF%FE");
  expect_param("/?c=a%00b", "c", "a%00b");
  expect_param("/?c=%C0%AF", "c", "%C0%AF");
  expect_param("/?c=%ED%A0%80", "c", "%ED%A0%80");
  expect_param("/?c=%E2%82", "c", "%E2%82");
  expect_param("/?c=%F0%9F%93%9E+call", "c", "\xf0\x9f\x93\x9e call");
}
END_TEST

START_TEST(first_occurrence_of_a_parameter_wins)
{
  expect_param("https://acme.com/?utm_source=a&utm_source=b", "utm_source",
               "a");
}
END_TEST

START_TEST(has_param_sees_names_without_values)
{
  sm_url u;

  ck_assert_int_eq(sm_url_parse("https://acme.com/?gclid&x=1", &u), TF_OK);
  ck_assert(sm_url_has_param(&u, "gclid"));
  ck_assert(sm_url_has_param(&u, "X"));
  ck_assert(!sm_url_has_param(&u, "fbclid"));
  sm_url_clear(&u);
}
END_TEST

START_TEST(host_pattern_matches_host_and_subdomains)
{
  ck_assert(sm_host_matches("linkedin.com", "linkedin.com"));
  ck_assert(sm_host_matches("lnkd.linkedin.com", "linkedin.com"));
  ck_assert(!sm_host_matches("notlinkedin.com", "linkedin.com"));
  ck_assert(!sm_host_matches("linkedin.com.evil.io", "linkedin.com"));
  ck_assert(!sm_host_matches("", "linkedin.com"));
  ck_assert(!sm_host_matches("acme.com", ""));
}
END_TEST

START_TEST(host_pattern_wildcard_stands_for_a_short_suffix)
{
  ck_assert(sm_host_matches("google.de", "google.*"));
  ck_assert(sm_host_matches("google.co.uk", "google.*"));
  ck_assert(sm_host_matches("maps.google.com.br", "google.*"));
  ck_assert(!sm_host_matches("google.example.com", "google.*"));
  ck_assert(!sm_host_matches("google", "google.*"));
  ck_assert(!sm_host_matches("notgoogle.com", "google.*"));
  ck_assert(!sm_host_matches("google.a.b.c", "google.*"));
}
END_TEST

START_TEST(host_normalize_matches_url_hosts)
{
  char text[] = "WWW.LinkedIn.com.";

  ck_assert_str_eq(sm_host_normalize(text), "linkedin.com");
}
END_TEST

/* --- Signals ------------------------------------------------------------ */

/* Signals are read in place: their hosts may point into them. */
static void read_signals(sm_signals *s, const char *url, const char *referrer)
{
  ck_assert_int_eq(sm_signals_read(url, referrer, s), TF_OK);
}

/* docs/attribution-rules.md#arrivals: "An arrival is a hit with utm_*
 * parameters or an external referrer (a referrer host other than the page's
 * host)." */
START_TEST(session_rule_arrival_is_utm_or_external_referrer)
{
  sm_signals s;

  read_signals(&s, "https://www.acme.com/?utm_source=x", NULL);

  ck_assert(s.has_utm);
  ck_assert(sm_signals_arrival(&s));
  ck_assert_str_eq(s.utm[SM_UTM_SOURCE], "x");
  ck_assert_ptr_null(s.utm[SM_UTM_MEDIUM]);
  sm_signals_clear(&s);
  read_signals(&s, "https://www.acme.com/", "https://news.example.org/a");
  ck_assert(s.external);
  ck_assert(sm_signals_arrival(&s));
  sm_signals_clear(&s);
}
END_TEST

/* docs/attribution-rules.md#arrivals: "a direct hit (no referrer, or an
 * internal one, and no UTM)" is not an arrival; www. and case do not make a
 * host external. */
START_TEST(session_rule_direct_hit_is_not_an_arrival)
{
  sm_signals s;

  read_signals(&s, "https://www.acme.com/a", "https://ACME.com/b");

  ck_assert(!s.external);
  ck_assert(!sm_signals_arrival(&s));
  sm_signals_clear(&s);
  read_signals(&s, "https://www.acme.com/a", NULL);
  ck_assert(!sm_signals_arrival(&s));
  sm_signals_clear(&s);
  read_signals(&s, "https://www.acme.com/a?utm_source=", "");
  ck_assert(!s.has_utm);
  ck_assert(!sm_signals_arrival(&s));
  sm_signals_clear(&s);
}
END_TEST

/* utm values are decoded into the signals while they fit, and allocated
 * past that: all five read the same either way, and clear frees what was
 * allocated (the ASan and valgrind runs check it). */
START_TEST(utm_values_past_the_signals_room_are_allocated)
{
  char url[1024], campaign[301];
  sm_signals s;

  memset(campaign, 'c', sizeof(campaign) - 1);
  campaign[sizeof(campaign) - 1] = '\0';
  snprintf(url, sizeof(url),
           "https://acme.com/?utm_source=a%%20b&utm_medium=cpc&utm_campaign=%s"
           "&utm_term=x+y&utm_content=%%FF",
           campaign);
  read_signals(&s, url, NULL);
  ck_assert_str_eq(s.utm[SM_UTM_SOURCE], "a b");
  ck_assert_str_eq(s.utm[SM_UTM_MEDIUM], "cpc");
  ck_assert_str_eq(s.utm[SM_UTM_CAMPAIGN], campaign);
  ck_assert_str_eq(s.utm[SM_UTM_TERM], "x y");
  ck_assert_str_eq(s.utm[SM_UTM_CONTENT], "%FF");
  ck_assert(s.has_utm);
  sm_signals_clear(&s);
  ck_assert_ptr_null(s.utm[SM_UTM_CAMPAIGN]);
  snprintf(url, sizeof(url), "https://acme.com/?utm_campaign=%s&utm_source=z",
           campaign);
  read_signals(&s, url, NULL);
  ck_assert_str_eq(s.utm[SM_UTM_CAMPAIGN], campaign);
  ck_assert_str_eq(s.utm[SM_UTM_SOURCE], "z");
  sm_signals_clear(&s);
}
END_TEST

/* README.md "Decisions": a known ad click id makes a hit an arrival. */
START_TEST(click_id_makes_an_arrival)
{
  sm_signals s;

  read_signals(&s, "https://acme.com/?gclid=Cj0", NULL);

  ck_assert_ptr_nonnull(s.click);
  ck_assert_str_eq(s.click->param, "gclid");
  ck_assert_str_eq(s.click->source, "Google");
  ck_assert(sm_signals_arrival(&s));
  sm_signals_clear(&s);
  read_signals(&s, "https://acme.com/?li_fat_id=1", NULL);
  ck_assert_int_eq(s.click->kind, SM_CLICK_SOCIAL);
  sm_signals_clear(&s);
}
END_TEST

/* One pass finds for every name what sm_url_param / sm_url_has_param find
 * alone: the first occurrence, case-blind, with or without a value, after
 * '&' or ';', and nothing for a name that is only a prefix of a key. */
START_TEST(find_params_agrees_with_one_lookup_per_name)
{
  static const char *const urls[] = {
      "https://a.com/?UTM_Source=x&utm_source=y;gclid&utm_medium=&ttclid=9",
      "https://a.com/p?utm_sourcex=1&&utm_term=a+b%20c&fbclid=F#utm_term=no",
      "https://a.com/p?utm_campaign=%FF&twclid=1&gclid=2&utm_campaign=z",
      "https://a.com/p", "https://a.com/?"};
  static const sm_url_name names[] = {{"utm_source", 10},   {"utm_medium", 10},
                                      {"utm_campaign", 12}, {"utm_term", 8},
                                      {"gclid", 5},         {"ttclid", 6},
                                      {"fbclid", 6},        {"twclid", 6}};
  const size_t n = sizeof(names) / sizeof(names[0]);
  sm_url_raw found[8];
  size_t u, i;

  for (u = 0; u < sizeof(urls) / sizeof(urls[0]); u++) {
    sm_url url;

    ck_assert_int_eq(sm_url_parse(urls[u], &url), TF_OK);
    sm_url_find_params(&url, names, n, found);
    for (i = 0; i < n; i++) {
      char *want, *got;

      ck_assert_int_eq(found[i].at != NULL,
                       sm_url_has_param(&url, names[i].name));
      ck_assert_int_eq(sm_url_param(&url, names[i].name, &want), TF_OK);
      if (!want) {
        ck_assert_ptr_null(found[i].at);
        continue;
      }
      got = sm_url_decode(&found[i]);
      ck_assert_str_eq(got, want);
      free(got);
      free(want);
    }
    if (u == 0) {
      ck_assert_int_eq(found[0].len, 1);
      ck_assert_int_eq(found[0].at[0], 'x');
      ck_assert_ptr_nonnull(found[1].at);
      ck_assert_int_eq(found[1].len, 0);
      ck_assert_ptr_nonnull(found[4].at);
      ck_assert_ptr_null(found[2].at);
    }
    sm_url_clear(&url);
  }
}
END_TEST

START_TEST(utm_names_are_the_five_parameters)
{
  ck_assert_str_eq(sm_utm_name(SM_UTM_SOURCE), "utm_source");
  ck_assert_str_eq(sm_utm_name(SM_UTM_CONTENT), "utm_content");
}
END_TEST

static Suite *url_suite(void)
{
  Suite *s = suite_create("session_merge url");
  TCase *url = tcase_create("url");
  TCase *sig = tcase_create("signals");

  tcase_add_test(url, host_is_lowercased_without_www_port_or_userinfo);
  tcase_add_test(url, host_of_scheme_less_and_relative_urls);
  tcase_add_test(url, schemes_that_start_like_http);
  tcase_add_test(url, long_hosts_are_kept_whole);
  tcase_add_test(url, host_lowercasing_matches_tolower_for_every_byte);
  tcase_add_test(url, query_parameters_are_found_and_decoded);
  tcase_add_test(url, undecodable_values_are_kept_as_written);
  tcase_add_test(url, first_occurrence_of_a_parameter_wins);
  tcase_add_test(url, has_param_sees_names_without_values);
  tcase_add_test(url, find_params_agrees_with_one_lookup_per_name);
  tcase_add_test(url, host_pattern_matches_host_and_subdomains);
  tcase_add_test(url, host_pattern_wildcard_stands_for_a_short_suffix);
  tcase_add_test(url, host_normalize_matches_url_hosts);
  suite_add_tcase(s, url);
  tcase_add_test(sig, session_rule_arrival_is_utm_or_external_referrer);
  tcase_add_test(sig, session_rule_direct_hit_is_not_an_arrival);
  tcase_add_test(sig, click_id_makes_an_arrival);
  tcase_add_test(sig, utm_values_past_the_signals_room_are_allocated);
  tcase_add_test(sig, utm_names_are_the_five_parameters);
  suite_add_tcase(s, sig);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(url_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
