/*
 * emulator.h - the Marketo REST emulator (tests/marketo/emulator.py) as a
 * child process of the tests, and its control API.
 */
#ifndef MKTO_TEST_EMULATOR_H
#define MKTO_TEST_EMULATOR_H

#include <jansson.h>

/* The client the emulator is started with. */
#define EMU_CLIENT_ID "test-client"
#define EMU_CLIENT_SECRET "test-secret-Zq81"

/* NULL when the emulator can run here (python3 on PATH and the script under
 * $TF_SRCDIR), else why not. */
const char *emulator_missing(void);

/* Starts it on a free port and waits (10 s at most) for its port file;
 * stops it.  For an unchecked fixture: the emulator outlives the tests. */
void emulator_start(void);
void emulator_stop(void);

/* Its port. */
int emulator_port(void);

/* A control or REST call; the answer parsed (the caller decrefs).  body
 * may be NULL.  Fails the test on a transport error or a non-JSON answer
 * when `must_parse`. */
json_t *emu_call(const char *method, const char *path, const char *body);

/* POST /_emulator/reset with this body, then checks it was accepted. */
void emu_reset(const char *body);

/* POST /_emulator/faults with this rule. */
void emu_fault(const char *rule);

/* GET /_emulator/leads: the whole database (the caller decrefs). */
json_t *emu_leads(void);

/* GET /_emulator/stats (the caller decrefs). */
json_t *emu_stats(void);

#endif
