/*
 * test_loader.c - the plugin loader against good and deliberately broken
 * modules: every bad module gets a clear error, never a crash.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static tf__loader *loader;
static char err[2048];

static void setup(void)
{
  loader = tu_loader();
  err[0] = '\0';
}

static void teardown(void)
{
  tf__loader_free(loader);
}

static int find(tf_plugin_kind kind, const char *name, tf__loaded_plugin *p)
{
  return tf__loader_find(loader, kind, name, p, err, sizeof(err));
}

START_TEST(finds_a_good_plugin)
{
  tf__loaded_plugin p;

  ck_assert_int_eq(find(TF_KIND_SOURCE, "seq", &p), TF_OK);
  ck_assert_str_eq(p.plugin->name, "seq");
  ck_assert_int_eq(p.plugin->kind, TF_KIND_SOURCE);
  ck_assert_ptr_nonnull(strstr(p.module_path, "tests/plugins/source_seq.la"));
}
END_TEST

START_TEST(same_plugin_twice_is_opened_once)
{
  tf__loaded_plugin a, b;

  ck_assert_int_eq(find(TF_KIND_SINK, "flaky", &a), TF_OK);
  ck_assert_int_eq(find(TF_KIND_SINK, "flaky", &b), TF_OK);
  ck_assert_ptr_eq(a.plugin, b.plugin);
}
END_TEST

START_TEST(refuses_another_abi_major)
{
  tf__loaded_plugin p;

  ck_assert_int_eq(find(TF_KIND_SOURCE, "badabi", &p), TF_ERR_ABI);
  ck_assert_msg(strstr(err, "ABI 99,") && strstr(err, "host loads ABI 2"),
                "message names both versions: %s", err);
  ck_assert_ptr_nonnull(strstr(err, "source_badabi.la"));
}
END_TEST

START_TEST(refuses_an_abi1_plugin_naming_abi1)
{
  tf__loaded_plugin p;

  ck_assert_int_eq(find(TF_KIND_SOURCE, "abione", &p), TF_ERR_ABI);
  ck_assert_msg(strstr(err, "built for touchflow ABI 1,") != NULL,
                "names ABI 1: %s", err);
}
END_TEST

START_TEST(refuses_a_descriptor_too_small_for_its_kind)
{
  tf__loaded_plugin p;

  ck_assert_int_eq(find(TF_KIND_SOURCE, "small", &p), TF_ERR_ABI);
  ck_assert_msg(strstr(err, "declare it as a tf_source_plugin") != NULL,
                "says what to do: %s", err);
}
END_TEST

START_TEST(loads_a_plugin_built_with_a_larger_descriptor)
{
  tf__loaded_plugin p;
  const tf_source_plugin *src;

  ck_assert_int_eq(find(TF_KIND_SOURCE, "newer", &p), TF_OK);
  src = tf_plugin_source(p.plugin);
  ck_assert_ptr_nonnull(src);
  ck_assert_uint_gt(src->base.struct_size, sizeof(tf_source_plugin));
  ck_assert_ptr_nonnull(src->produce);
}
END_TEST

/* A sink built before advance() was appended (ABI 2.0's size) still
 * loads; the member it lacks reads as absent. */
START_TEST(loads_a_sink_built_before_advance)
{
  tf__loaded_plugin p;
  const tf_sink_plugin *sink;

  ck_assert_int_eq(find(TF_KIND_SINK, "old", &p), TF_OK);
  sink = tf_plugin_sink(p.plugin);
  ck_assert_ptr_nonnull(sink);
  ck_assert_uint_eq(sink->base.struct_size, TF_SINK_PLUGIN_SIZE_2_0);
  ck_assert_uint_lt(sink->base.struct_size, sizeof(tf_sink_plugin));
  ck_assert_ptr_nonnull(sink->write);
  ck_assert(!TF_PLUGIN_HAS(tf_sink_plugin, sink, advance));
  ck_assert(!TF_PLUGIN_HAS(tf_sink_plugin, sink, check_connection));
}
END_TEST

static int some_check(void *state, tf_ctx *ctx)
{
  (void)state, (void)ctx;
  return TF_OK;
}

/* A source or sink built before check_connection was appended is still
 * one of its kind, and the member reads as absent even when the memory
 * past its struct_size holds a pointer; built with it, it reads. */
START_TEST(check_connection_is_read_only_within_struct_size)
{
  tf_source_plugin src = {TF_SOURCE_HEADER, .check_connection = some_check};
  tf_sink_plugin sink = {TF_SINK_HEADER, .check_connection = some_check};
  const tf_source_plugin *s;
  const tf_sink_plugin *k;

  s = tf_plugin_source(&src.base);
  k = tf_plugin_sink(&sink.base);
  ck_assert(TF_PLUGIN_HAS(tf_source_plugin, s, check_connection));
  ck_assert(TF_PLUGIN_HAS(tf_sink_plugin, k, check_connection));
  src.base.struct_size = offsetof(tf_source_plugin, check_connection);
  sink.base.struct_size = offsetof(tf_sink_plugin, check_connection);
  s = tf_plugin_source(&src.base);
  k = tf_plugin_sink(&sink.base);
  ck_assert_ptr_nonnull(s);
  ck_assert_ptr_nonnull(k);
  ck_assert(!TF_PLUGIN_HAS(tf_source_plugin, s, check_connection));
  ck_assert(!TF_PLUGIN_HAS(tf_sink_plugin, k, check_connection));
}
END_TEST

START_TEST(refuses_a_module_without_entry_point)
{
  tf__loaded_plugin p;

  ck_assert_int_eq(find(TF_KIND_SOURCE, "noentry", &p), TF_ERR_PLUGIN);
  ck_assert_msg(strstr(err, "no tf_plugin_entry entry point") != NULL, "%s",
                err);
}
END_TEST

START_TEST(refuses_a_null_descriptor)
{
  tf__loaded_plugin p;

  ck_assert_int_eq(find(TF_KIND_SOURCE, "nullentry", &p), TF_ERR_PLUGIN);
  ck_assert_msg(strstr(err, "returned NULL") != NULL, "%s", err);
}
END_TEST

START_TEST(refuses_a_descriptor_named_otherwise)
{
  tf__loaded_plugin p;

  ck_assert_int_eq(find(TF_KIND_SOURCE, "wrongname", &p), TF_ERR_PLUGIN);
  ck_assert_msg(strstr(err, "declares source \"other\"") != NULL, "%s", err);
}
END_TEST

START_TEST(refuses_names_with_slash_or_dots)
{
  static const char *const bad[] = {"../seq", "a/b", "..", "", "Seq", "s q"};
  tf__loaded_plugin p;
  size_t i;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    ck_assert_int_eq(find(TF_KIND_SOURCE, bad[i], &p), TF_ERR_INVAL);
    ck_assert_ptr_nonnull(strstr(err, "invalid plugin name"));
  }
}
END_TEST

START_TEST(unknown_name_suggests_a_close_one)
{
  tf__loaded_plugin p;

  ck_assert_int_eq(find(TF_KIND_SOURCE, "seqq", &p), TF_ERR_NOTFOUND);
  ck_assert_msg(strstr(err, "did you mean \"seq\"") != NULL, "%s", err);
}
END_TEST

START_TEST(refuses_what_is_not_a_regular_file)
{
  char *dir = tu_tempdir();
  char path[1024];
  const char *paths[1] = {dir};
  tf__loaded_plugin p;
  tf__loader *l;

  snprintf(path, sizeof(path), "%s/source_folder.so", dir);
  ck_assert_int_eq(mkdir(path, 0755), 0);
  l = tf__loader_new(paths, 1, err, sizeof(err));
  ck_assert_int_eq(
      tf__loader_find(l, TF_KIND_SOURCE, "folder", &p, err, sizeof(err)),
      TF_ERR_PLUGIN);
  ck_assert_msg(strstr(err, "not a regular file") != NULL, "%s", err);
  tf__loader_free(l);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(refuses_a_file_that_is_not_a_module)
{
  char *dir = tu_tempdir();
  char *junk = tu_write(dir, "source_junk.so", "this is not ELF\n");
  tf__loaded_plugin p;

  ck_assert_int_eq(tf__loader_open_file(loader, junk, &p, err, sizeof(err)),
                   TF_ERR_PLUGIN);
  ck_assert_msg(strstr(err, "cannot open module") != NULL, "%s", err);
  free(junk);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(plugin_path_comes_before_the_environment)
{
  char *dir = tu_tempdir();
  char cmd[4096], envpath[1024];
  const char *paths[1] = {dir};
  tf__loaded_plugin p;
  tf__loader *l;

  /* The same module in two folders: --plugin-path wins over the env. */
  snprintf(cmd, sizeof(cmd), "cp '%s/tests/plugins/.libs/source_seq.so' '%s/'",
           tu_builddir(), dir);
  ck_assert_int_eq(system(cmd), 0);
  snprintf(envpath, sizeof(envpath), "%s/tests/plugins", tu_builddir());
  setenv("TOUCHFLOW_PLUGIN_PATH", envpath, 1);
  l = tf__loader_new(paths, 1, err, sizeof(err));
  ck_assert_int_eq(
      tf__loader_find(l, TF_KIND_SOURCE, "seq", &p, err, sizeof(err)), TF_OK);
  ck_assert_ptr_nonnull(strstr(p.module_path, dir));
  /* And the environment is searched when the flag's folder lacks it. */
  ck_assert_int_eq(
      tf__loader_find(l, TF_KIND_SINK, "flaky", &p, err, sizeof(err)), TF_OK);
  ck_assert_ptr_nonnull(strstr(p.module_path, envpath));
  tf__loader_free(l);
  unsetenv("TOUCHFLOW_PLUGIN_PATH");
  tu_rmtree(dir);
  free(dir);
}
END_TEST

typedef struct seen {
  int seq, flaky, bad_abi;
} seen;

static void on_plugin(void *ud, const tf__loaded_plugin *p)
{
  seen *s = ud;

  s->seq += strcmp(p->plugin->name, "seq") == 0;
  s->flaky += strcmp(p->plugin->name, "flaky") == 0;
}

static void on_bad(void *ud, const char *message)
{
  seen *s = ud;

  s->bad_abi += strstr(message, "source_badabi") != NULL;
}

/* A loader searching only dir (and the bundled and installed plugins). */
static tf__loader *loader_on(const char *dir)
{
  const char *paths[1] = {dir};
  tf__loader *l = tf__loader_new(paths, 1, err, sizeof(err));

  ck_assert_msg(l != NULL, "%s", err);
  return l;
}

static void copy_seq_into(const char *dir)
{
  char cmd[4096];

  snprintf(cmd, sizeof(cmd), "cp '%s/tests/plugins/.libs/source_seq.so' '%s/'",
           tu_builddir(), dir);
  ck_assert_int_eq(system(cmd), 0);
}

START_TEST(refuses_a_folder_anyone_can_write)
{
  char *dir = tu_tempdir();
  tf__loaded_plugin p;
  tf__loader *l;

  copy_seq_into(dir);
  ck_assert_int_eq(chmod(dir, 0777), 0);
  l = loader_on(dir);
  ck_assert_int_eq(
      tf__loader_find(l, TF_KIND_SOURCE, "seq", &p, err, sizeof(err)),
      TF_ERR_PLUGIN);
  ck_assert_msg(strstr(err, "writable by every user") && strstr(err, dir), "%s",
                err);
  tf__loader_free(l);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(refuses_a_module_anyone_can_write)
{
  char *dir = tu_tempdir(), path[4096];
  tf__loaded_plugin p;
  tf__loader *l;

  copy_seq_into(dir);
  snprintf(path, sizeof(path), "%s/source_seq.so", dir);
  ck_assert_int_eq(chmod(path, 0666), 0);
  l = loader_on(dir);
  ck_assert_int_eq(
      tf__loader_find(l, TF_KIND_SOURCE, "seq", &p, err, sizeof(err)),
      TF_ERR_PLUGIN);
  ck_assert_msg(strstr(err, "module file is writable by every user"), "%s",
                err);
  tf__loader_free(l);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(refuses_a_symlink_out_of_its_folder)
{
  char *dir = tu_tempdir(), target[4096], link[4096];
  tf__loaded_plugin p;
  tf__loader *l;

  snprintf(target, sizeof(target), "%s/tests/plugins/.libs/source_seq.so",
           tu_builddir());
  snprintf(link, sizeof(link), "%s/source_seq.so", dir);
  ck_assert_int_eq(symlink(target, link), 0);
  l = loader_on(dir);
  ck_assert_int_eq(
      tf__loader_find(l, TF_KIND_SOURCE, "seq", &p, err, sizeof(err)),
      TF_ERR_PLUGIN);
  ck_assert_msg(strstr(err, "symbolic link out of its plugin folder"), "%s",
                err);
  tf__loader_free(l);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(refuses_a_relative_environment_folder)
{
  tf__loader *l;

  setenv("TOUCHFLOW_PLUGIN_PATH", "/usr/lib:plugins", 1);
  l = tf__loader_new(NULL, 0, err, sizeof(err));
  unsetenv("TOUCHFLOW_PLUGIN_PATH");
  ck_assert_ptr_null(l);
  ck_assert_msg(strstr(err, "\"plugins\" is not an absolute folder"), "%s",
                err);
}
END_TEST

START_TEST(suggests_names_without_opening_modules)
{
  char *dir = tu_tempdir();
  char *junk = tu_write(dir, "source_zebrafish.so", "not a module\n");
  tf__loaded_plugin p;
  tf__loader *l = loader_on(dir);

  ck_assert_int_eq(
      tf__loader_find(l, TF_KIND_SOURCE, "zebrafesh", &p, err, sizeof(err)),
      TF_ERR_NOTFOUND);
  ck_assert_msg(strstr(err, "did you mean \"zebrafish\"") &&
                    !strstr(err, "cannot open"),
                "%s", err);
  tf__loader_free(l);
  free(junk);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

START_TEST(listing_reports_good_and_bad_modules)
{
  seen s = {0, 0, 0};

  tf__loader_each(loader, on_plugin, on_bad, &s);
  ck_assert_int_eq(s.seq, 1);
  ck_assert_int_eq(s.flaky, 1);
  ck_assert_int_eq(s.bad_abi, 1);
}
END_TEST

static Suite *loader_suite(void)
{
  Suite *s = suite_create("loader");
  TCase *tc = tcase_create("load");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, finds_a_good_plugin);
  tcase_add_test(tc, same_plugin_twice_is_opened_once);
  tcase_add_test(tc, refuses_another_abi_major);
  tcase_add_test(tc, refuses_an_abi1_plugin_naming_abi1);
  tcase_add_test(tc, refuses_a_descriptor_too_small_for_its_kind);
  tcase_add_test(tc, loads_a_plugin_built_with_a_larger_descriptor);
  tcase_add_test(tc, loads_a_sink_built_before_advance);
  tcase_add_test(tc, check_connection_is_read_only_within_struct_size);
  tcase_add_test(tc, refuses_a_module_without_entry_point);
  tcase_add_test(tc, refuses_a_null_descriptor);
  tcase_add_test(tc, refuses_a_descriptor_named_otherwise);
  tcase_add_test(tc, refuses_names_with_slash_or_dots);
  tcase_add_test(tc, unknown_name_suggests_a_close_one);
  tcase_add_test(tc, refuses_what_is_not_a_regular_file);
  tcase_add_test(tc, refuses_a_file_that_is_not_a_module);
  tcase_add_test(tc, plugin_path_comes_before_the_environment);
  tcase_add_test(tc, listing_reports_good_and_bad_modules);
  tcase_add_test(tc, refuses_a_folder_anyone_can_write);
  tcase_add_test(tc, refuses_a_module_anyone_can_write);
  tcase_add_test(tc, refuses_a_symlink_out_of_its_folder);
  tcase_add_test(tc, refuses_a_relative_environment_folder);
  tcase_add_test(tc, suggests_names_without_opening_modules);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(loader_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
