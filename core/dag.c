/*
 * dag.c - the pipeline as a graph: ids, inputs, cycles, reachability.
 *
 * Edges run from an input to the stage that names it.  Checks: ids are
 * unique; every input names an existing source or transform other than the
 * stage itself; there is no cycle; every source and transform reaches a
 * sink (else its records would go nowhere).  On success `order` holds a
 * topological order that keeps file order among independent stages, which
 * makes runs deterministic.
 */
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "suggest.h"

static size_t check_ids(tf__pipeline *p, tf__diag *diag)
{
  size_t i, j, bad = 0;
  char path[96];

  for (i = 0; i < p->n_stages; i++) {
    if (!p->stages[i].id)
      continue;
    for (j = 0; j < i; j++) {
      if (p->stages[j].id && strcmp(p->stages[i].id, p->stages[j].id) == 0) {
        snprintf(path, sizeof(path), "%s.id", p->stages[i].json_path);
        tf__diag_add(diag, path, "duplicate id \"%s\" (already used by %s)",
                     p->stages[i].id, p->stages[j].json_path);
        bad++;
        break;
      }
    }
  }
  return bad;
}

static void unknown_input(const tf__pipeline *p, const char *path,
                          const char *name, tf__diag *diag)
{
  const char **ids = calloc(p->n_stages + 1, sizeof(*ids));
  size_t i, n = 0;
  const char *hint = NULL;

  if (ids) {
    for (i = 0; i < p->n_stages; i++)
      if (p->stages[i].id && p->stages[i].kind != TF_KIND_SINK)
        ids[n++] = p->stages[i].id;
    hint = tf__suggest(name, ids, n);
  }
  if (hint)
    tf__diag_add(diag, path, "unknown input \"%s\" (did you mean \"%s\"?)",
                 name, hint);
  else
    tf__diag_add(diag, path, "unknown input \"%s\"", name);
  free(ids);
}

static size_t resolve_inputs(tf__pipeline *p, tf__diag *diag)
{
  size_t i, j, bad = 0;
  char path[128];

  for (i = 0; i < p->n_stages; i++) {
    tf__stage_def *s = &p->stages[i];

    if (s->n_inputs == 0)
      continue;
    s->input_idx = calloc(s->n_inputs, sizeof(*s->input_idx));
    if (!s->input_idx)
      return bad + 1;
    for (j = 0; j < s->n_inputs; j++) {
      long k = tf__pipeline_find(p, s->inputs[j]);

      snprintf(path, sizeof(path), "%s.inputs[%zu]", s->json_path, j);
      s->input_idx[j] = (size_t)-1;
      if (k < 0) {
        unknown_input(p, path, s->inputs[j], diag);
      } else if ((size_t)k == i) {
        tf__diag_add(diag, path, "a stage cannot read its own output");
      } else if (p->stages[k].kind == TF_KIND_SINK) {
        tf__diag_add(diag, path, "\"%s\" is a sink: sinks emit no records",
                     s->inputs[j]);
      } else {
        s->input_idx[j] = (size_t)k;
        continue;
      }
      bad++;
    }
  }
  return bad;
}

enum { WHITE, GREY, BLACK };

/* Depth-first search along inputs; reports a cycle once, at the stage
 * where it closes.  stack holds the current path. */
static size_t visit(tf__pipeline *p, size_t i, int *color, size_t *stack,
                    size_t depth, tf__diag *diag)
{
  tf__stage_def *s = &p->stages[i];
  size_t j, bad = 0;

  color[i] = GREY;
  stack[depth] = i;
  for (j = 0; j < s->n_inputs; j++) {
    size_t k = s->input_idx[j];

    if (k == (size_t)-1)
      continue;
    if (color[k] == GREY) {
      char msg[1024] = "cycle: ";
      size_t d = depth + 1, start = 0;

      while (d-- > 0)
        if (stack[d] == k)
          start = d;
      for (d = start; d <= depth; d++) {
        strncat(msg, p->stages[stack[d]].id, sizeof(msg) - strlen(msg) - 8);
        strncat(msg, " <- ", sizeof(msg) - strlen(msg) - 1);
      }
      strncat(msg, p->stages[k].id, sizeof(msg) - strlen(msg) - 1);
      tf__diag_add(diag, s->json_path, "%s", msg);
      bad++;
    } else if (color[k] == WHITE) {
      bad += visit(p, k, color, stack, depth + 1, diag);
    }
  }
  color[i] = BLACK;
  return bad;
}

static size_t check_cycles(tf__pipeline *p, tf__diag *diag)
{
  int *color = calloc(p->n_stages, sizeof(*color));
  size_t *stack = calloc(p->n_stages, sizeof(*stack));
  size_t i, bad = 0;

  if (!color || !stack) {
    free(color);
    free(stack);
    return 1;
  }
  for (i = 0; i < p->n_stages; i++)
    if (color[i] == WHITE)
      bad += visit(p, i, color, stack, 0, diag);
  free(color);
  free(stack);
  return bad;
}

/* Marks every stage whose records reach stage i. */
static void mark_upstream(const tf__pipeline *p, size_t i, char *reaches)
{
  size_t j;

  if (reaches[i])
    return;
  reaches[i] = 1;
  for (j = 0; j < p->stages[i].n_inputs; j++)
    if (p->stages[i].input_idx[j] != (size_t)-1)
      mark_upstream(p, p->stages[i].input_idx[j], reaches);
}

static size_t check_reach(tf__pipeline *p, tf__diag *diag)
{
  char *reaches = calloc(p->n_stages, 1);
  size_t i, bad = 0;

  if (!reaches)
    return 1;
  for (i = 0; i < p->n_stages; i++)
    if (p->stages[i].kind == TF_KIND_SINK)
      mark_upstream(p, i, reaches);
  for (i = 0; i < p->n_stages; i++) {
    if (reaches[i] || !p->stages[i].id)
      continue;
    tf__diag_add(diag, p->stages[i].json_path,
                 "%s \"%s\" reaches no sink: its records would be lost",
                 tf_plugin_kind_name(p->stages[i].kind), p->stages[i].id);
    bad++;
  }
  free(reaches);
  return bad;
}

/* Kahn's algorithm, always taking the lowest file index that is ready. */
static int topo_order(tf__pipeline *p)
{
  char *done = calloc(p->n_stages, 1);
  size_t n = 0, i, j;

  p->order = calloc(p->n_stages, sizeof(*p->order));
  if (!done || !p->order) {
    free(done);
    return -1;
  }
  while (n < p->n_stages) {
    for (i = 0; i < p->n_stages; i++) {
      const tf__stage_def *s = &p->stages[i];

      if (done[i])
        continue;
      for (j = 0; j < s->n_inputs; j++)
        if (!done[s->input_idx[j]])
          break;
      if (j == s->n_inputs)
        break;
    }
    if (i == p->n_stages) {
      free(done);
      return -1;
    }
    done[i] = 1;
    p->order[n++] = i;
  }
  free(done);
  return 0;
}

size_t tf__pipeline_check_graph(tf__pipeline *p, tf__diag *diag)
{
  size_t bad = check_ids(p, diag);
  size_t unresolved = resolve_inputs(p, diag);

  size_t cycles = check_cycles(p, diag);

  bad += unresolved + cycles;
  if (bad == 0 && topo_order(p) < 0)
    bad++;
  bad += check_reach(p, diag);
  return bad;
}
