/*
 * test_atomicfile.c - output files that appear complete or not at all
 * (touchflow/atomicfile.h): the folders made above a path, the temporary
 * file beside it (name, mode, nothing left on failure) and the commit
 * that renames it into place.
 */
/* nftw() is X/Open, beyond the POSIX level of the build. */
#define _XOPEN_SOURCE 700

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <touchflow/atomicfile.h>
#include <touchflow/check.h>
#include <touchflow/error.h>

static char dir[64];
static char path[256];

static void setup(void)
{
  snprintf(dir, sizeof(dir), "%s", "/tmp/tf-atomicfile-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
}

static int remove_entry(const char *p, const struct stat *st, int flag,
                        struct FTW *ftw)
{
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(p);
}

static void teardown(void)
{
  nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* dir + "/" + rel, in the static buffer path. */
static const char *in_dir(const char *rel)
{
  snprintf(path, sizeof(path), "%s/%s", dir, rel);
  return path;
}

static int is_dir(const char *rel)
{
  struct stat st;

  return stat(in_dir(rel), &st) == 0 && S_ISDIR(st.st_mode);
}

static int exists(const char *p)
{
  return access(p, F_OK) == 0;
}

/* The whole of a small file, or "" when it cannot be read. */
static const char *contents(const char *p)
{
  static char buf[256];
  FILE *f = fopen(p, "r");
  size_t n = 0;

  if (f) {
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
  }
  buf[n] = '\0';
  return buf;
}

/* How many entries the test folder holds. */
static int entries(void)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;

  ck_assert_ptr_nonnull(d);
  while ((e = readdir(d)))
    n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
  closedir(d);
  return n;
}

START_TEST(make_dirs_makes_the_folders_above)
{
  char target[256];

  snprintf(target, sizeof(target), "%s", in_dir("a/b/c.csv"));
  ck_assert_int_eq(tf_make_dirs(target, 0), TF_OK);
  ck_assert(is_dir("a"));
  ck_assert(is_dir("a/b"));
  ck_assert(!exists(in_dir("a/b/c.csv")));
  ck_assert_int_eq(tf_make_dirs(target, 0), TF_OK); /* again: they exist */
  ck_assert_int_eq(tf_make_dirs(target, 1), TF_OK);
  ck_assert(is_dir("a/b/c.csv"));
}
END_TEST

START_TEST(make_dirs_fails_under_a_file)
{
  char target[256];
  FILE *f = fopen(in_dir("plain"), "w");

  ck_assert_ptr_nonnull(f);
  fclose(f);
  snprintf(target, sizeof(target), "%s", in_dir("plain/sub/x.csv"));
  errno = 0;
  ck_assert_int_eq(tf_make_dirs(target, 0), TF_ERR_IO);
  ck_assert_int_eq(errno, ENOTDIR);
}
END_TEST

START_TEST(create_makes_a_hidden_file_beside)
{
  char final[256], *tmp = NULL, prefix[256];
  struct stat st;
  mode_t old = umask(077);
  int fd;

  snprintf(final, sizeof(final), "%s", in_dir("out.ndjson"));
  ck_assert_int_eq(tf_atomic_create(final, &tmp, &fd), TF_OK);
  umask(old);
  ck_assert_ptr_nonnull(tmp);
  ck_assert_int_ge(fd, 0);
  snprintf(prefix, sizeof(prefix), "%s", in_dir(".out.ndjson.tmp."));
  ck_assert_uint_eq(strlen(tmp), strlen(prefix) + 6);
  ck_assert_int_eq(strncmp(tmp, prefix, strlen(prefix)), 0);
  ck_assert_ptr_null(strstr(tmp, "XXXXXX"));
  ck_assert_int_eq(stat(tmp, &st), 0);
  ck_assert_int_eq(st.st_mode & 0777, 0644);
  ck_assert_int_eq(st.st_size, 0);
  ck_assert_int_eq(write(fd, "x", 1), 1);
  ck_assert(!exists(final));
  close(fd);
  free(tmp);
}
END_TEST

START_TEST(create_in_a_missing_folder_leaves_nothing)
{
  char final[256], *tmp = (char *)"unset";
  int fd = 7;

  snprintf(final, sizeof(final), "%s", in_dir("missing/out.csv"));
  errno = 0;
  ck_assert_int_eq(tf_atomic_create(final, &tmp, &fd), TF_ERR_IO);
  ck_assert_int_eq(errno, ENOENT);
  ck_assert_ptr_null(tmp);
  ck_assert_int_eq(fd, -1);
  ck_assert_int_eq(entries(), 0);
}
END_TEST

/* Creates, writes text, syncs and commits final; returns the commit's
 * code. */
static int write_and_commit(const char *final, const char *text)
{
  char *tmp;
  int fd, rc;

  ck_assert_int_eq(tf_atomic_create(final, &tmp, &fd), TF_OK);
  ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  ck_assert_int_eq(fsync(fd), 0);
  close(fd);
  rc = tf_atomic_commit(tmp, final);
  if (rc == TF_OK)
    ck_assert(!exists(tmp));
  free(tmp);
  return rc;
}

START_TEST(commit_puts_the_file_in_place)
{
  char final[256];

  snprintf(final, sizeof(final), "%s", in_dir("report.html"));
  ck_assert_int_eq(write_and_commit(final, "first\n"), TF_OK);
  ck_assert_str_eq(contents(final), "first\n");
  ck_assert_int_eq(write_and_commit(final, "second\n"), TF_OK);
  ck_assert_str_eq(contents(final), "second\n");
  ck_assert_int_eq(entries(), 1);
}
END_TEST

START_TEST(commit_with_a_relative_path)
{
  char cwd[512];

  ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
  ck_assert_int_eq(chdir(dir), 0);
  ck_assert_int_eq(write_and_commit("plain.txt", "here\n"), TF_OK);
  ck_assert_str_eq(contents("plain.txt"), "here\n");
  ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

START_TEST(commit_of_a_missing_file_changes_nothing)
{
  char final[256], gone[256];

  snprintf(final, sizeof(final), "%s", in_dir("kept.csv"));
  ck_assert_int_eq(write_and_commit(final, "old\n"), TF_OK);
  snprintf(gone, sizeof(gone), "%s", in_dir(".kept.csv.tmp.gone00"));
  errno = 0;
  ck_assert_int_eq(tf_atomic_commit(gone, final), TF_ERR_IO);
  ck_assert_int_eq(errno, ENOENT);
  ck_assert_str_eq(contents(final), "old\n");
}
END_TEST

static TCase *file_tests(void)
{
  TCase *tc = tcase_create("atomicfile");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, make_dirs_makes_the_folders_above);
  tcase_add_test(tc, make_dirs_fails_under_a_file);
  tcase_add_test(tc, create_makes_a_hidden_file_beside);
  tcase_add_test(tc, create_in_a_missing_folder_leaves_nothing);
  tcase_add_test(tc, commit_puts_the_file_in_place);
  tcase_add_test(tc, commit_with_a_relative_path);
  tcase_add_test(tc, commit_of_a_missing_file_changes_nothing);
  return tc;
}

TF_CHECK_MAIN("atomicfile", file_tests)
