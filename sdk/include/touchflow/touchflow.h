/*
 * touchflow/touchflow.h - the umbrella header of the touchflow SDK.
 *
 * Include this one header to write a plugin.  The areas, one header each:
 *   error.h    error codes and tf_strerror()
 *   record.h   the opaque record handle
 *   (record_json.h: records as jansson trees, the slow path; not included
 *   here, include it on purpose)
 *   value.h    reading a record: typed values, no tree (the fast path)
 *   builder.h  writing a new record's JSON text directly
 *   batch.h    read-only batches of records
 *   options.h  option tables and the validated config
 *   host.h     the host function table (log, reject, metric, emit)
 *   plugin.h   the plugin descriptor, ABI version and lifecycle
 *   configcheck.h helpers for a plugin's own config checks (check())
 *   linereader.h  line-by-line reading of plain or gzip files
 *   csv.h      an RFC 4180 CSV reader and writer
 *   time.h     timestamps: ISO 8601 parsing, epoch numbers, formatting
 *   timeorder.h   a source's input sorted by event time: the checked promise
 *   filesource.h  the reading half of file-based sources
 *   fields.h   typed fields of vendor records, with reject codes and messages
 *   event.h    the fields every attribution event has
 */
#ifndef TOUCHFLOW_TOUCHFLOW_H
#define TOUCHFLOW_TOUCHFLOW_H

#include "error.h"
#include "record.h"
#include "value.h"
#include "builder.h"
#include "batch.h"
#include "options.h"
#include "host.h"
#include "plugin.h"
#include "configcheck.h"
#include "linereader.h"
#include "csv.h"
#include "time.h"
#include "timeorder.h"
#include "filesource.h"
#include "fields.h"
#include "event.h"

#endif
