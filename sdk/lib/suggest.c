/*
 * suggest.c - "did you mean" by Damerau-Levenshtein distance (suggest.h).
 *
 * The distance is the optimal string alignment variant: each substring is
 * edited at most once, which is all a typo needs.  Three rolling rows keep
 * the memory linear in the candidate's length.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "suggest.h"

static int same_letter(char a, char b)
{
  return tolower((unsigned char)a) == tolower((unsigned char)b);
}

static size_t min3(size_t a, size_t b, size_t c)
{
  size_t m = a < b ? a : b;

  return m < c ? m : c;
}

/* Fills row `cur` (for a[i-1]) from the two rows above it. */
static void fill_row(const char *a, size_t i, const char *b, size_t nb,
                     const size_t *older, const size_t *prev, size_t *cur)
{
  size_t j;

  cur[0] = i;
  for (j = 1; j <= nb; j++) {
    size_t cost = same_letter(a[i - 1], b[j - 1]) ? 0 : 1;

    cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    if (i > 1 && j > 1 && same_letter(a[i - 1], b[j - 2]) &&
        same_letter(a[i - 2], b[j - 1]) && older[j - 2] + 1 < cur[j])
      cur[j] = older[j - 2] + 1;
  }
}

/* The edit distance of a and b, or (size_t)-1 when memory ran out. */
static size_t edit_distance(const char *a, const char *b)
{
  size_t na = strlen(a), nb = strlen(b), i, j, d;
  size_t *rows, *older, *prev, *cur, *tmp;

  rows = malloc(3 * (nb + 1) * sizeof(*rows));
  if (!rows)
    return (size_t)-1;
  older = rows;
  prev = rows + (nb + 1);
  cur = rows + 2 * (nb + 1);
  for (j = 0; j <= nb; j++)
    prev[j] = j;
  for (i = 1; i <= na; i++) {
    fill_row(a, i, b, nb, older, prev, cur);
    tmp = older;
    older = prev;
    prev = cur;
    cur = tmp;
  }
  d = prev[nb];
  free(rows);
  return d;
}

const char *tf__suggest(const char *word, const char *const *candidates,
                        size_t n)
{
  size_t len, limit, best_d = (size_t)-1, i;
  const char *best = NULL;

  if (!word || !*word || !candidates)
    return NULL;
  len = strlen(word);
  limit = len / 3 > 1 ? len / 3 : 1;
  for (i = 0; i < n; i++) {
    size_t clen, d;

    if (!candidates[i])
      continue;
    clen = strlen(candidates[i]);
    if ((clen > len ? clen - len : len - clen) > limit)
      continue;
    d = edit_distance(word, candidates[i]);
    if (d == (size_t)-1)
      return NULL;
    if (d <= limit && d < best_d) {
      best = candidates[i];
      best_d = d;
    }
  }
  return best;
}
