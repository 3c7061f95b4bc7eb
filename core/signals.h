/*
 * signals.h - a run stops cleanly on SIGINT, SIGTERM and SIGHUP (internal).
 *
 * The first signal only sets a flag: the runner sees it at the next batch
 * boundary, stops reading, commits nothing partial, writes a checkpoint
 * when it has a state directory, and exits 128 + the signal's number.  The
 * handler is then back to the default, so a second signal ends the
 * process at once (the last checkpoint still stands).
 */
#ifndef TF_CORE_SIGNALS_H
#define TF_CORE_SIGNALS_H

/* Installs the handlers (and forgets a signal caught before). */
void tf__signals_install(void);

/* The signal caught since tf__signals_install, or 0. */
int tf__signal_caught(void);

/* Puts the default handlers back. */
void tf__signals_restore(void);

#endif
