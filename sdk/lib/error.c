/*
 * error.c - the text of every code in the error table (error.h).
 */
#include <touchflow/error.h>

const char *tf_strerror(int code)
{
  switch (code) {
  case TF_OK: return "success";
  case TF_ERR_NOMEM: return "out of memory";
  case TF_ERR_INVAL: return "invalid argument or value";
  case TF_ERR_IO: return "input/output error";
  case TF_ERR_PARSE: return "input could not be parsed";
  case TF_ERR_CONFIG: return "invalid plugin configuration";
  case TF_ERR_NOTFOUND: return "not found";
  case TF_ERR_ABI: return "plugin built for another ABI";
  case TF_ERR_UNSUPPORTED: return "operation not supported by the plugin";
  case TF_ERR_PLUGIN: return "plugin callback failed";
  case TF_ERR_TRUNCATED: return "compressed input ended before its end marker";
  case TF_ERR_TOOLONG: return "line or value too long";
  case TF_ERR_RANGE: return "number out of range";
  }
  return "unknown error";
}
