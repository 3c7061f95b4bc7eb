/*
 * touchflow/touchflow.h - the umbrella header of the plugin ABI
 * (libtouchflow, pkg-config touchflow).
 *
 * Include this one header to write a plugin.  The areas, one header each:
 *   error.h    error codes and tf_strerror()
 *   record.h   the opaque record handle
 *   value.h    reading a record: typed values, no tree (the fast path)
 *   builder.h  writing a new record's JSON text directly
 *   batch.h    read-only batches of records
 *   options.h  option tables and the validated config
 *   host.h     the host function table (log, reject, metric, emit)
 *   plugin.h   the plugin descriptor, ABI version and lifecycle
 *   configcheck.h helpers for a plugin's own config checks (check())
 * Not included, each with its own library, to include when used:
 *   io.h       reading input (libtouchflow-io, pkg-config touchflow-io):
 *              linereader.h, csv.h, time.h, timeorder.h, filesource.h
 *   attribution.h  vendor fields and the common attribution event
 *              (libtouchflow-attribution): io.h, fields.h, event.h
 *   record_json.h  records as jansson trees: the slow path
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

#endif
