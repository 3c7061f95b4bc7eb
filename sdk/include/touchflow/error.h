/*
 * touchflow/error.h - the one table of error codes.
 *
 * Every SDK call that can fail returns int: 0 (TF_OK) or one of the negative
 * codes below.  The table is append-only: a code never changes its number or
 * meaning, so a plugin built against an older SDK keeps understanding it.
 */
#ifndef TOUCHFLOW_ERROR_H
#define TOUCHFLOW_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum tf_error {
  TF_OK = 0,
  TF_ERR_NOMEM = -1,       /* an allocation failed */
  TF_ERR_INVAL = -2,       /* an argument or a value is invalid */
  TF_ERR_IO = -3,          /* reading or writing a file failed (see errno) */
  TF_ERR_PARSE = -4,       /* input could not be parsed */
  TF_ERR_CONFIG = -5,      /* a plugin configuration is invalid */
  TF_ERR_NOTFOUND = -6,    /* a file, plugin, field or symbol does not exist */
  TF_ERR_ABI = -7,         /* a plugin was built for another ABI */
  TF_ERR_UNSUPPORTED = -8, /* the plugin does not implement this operation */
  TF_ERR_PLUGIN = -9,      /* a plugin callback failed */
  TF_ERR_TRUNCATED = -10,  /* compressed input ended before its end marker */
  TF_ERR_TOOLONG = -11,    /* a line or value is longer than allowed */
  TF_ERR_RANGE = -12       /* a number does not fit the type asked for */
};

/* A static, human readable text for an error code; never NULL. */
const char *tf_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif
