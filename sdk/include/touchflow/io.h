/*
 * touchflow/io.h - the umbrella header of the input helpers
 * (libtouchflow-io, pkg-config touchflow-io): what a file-based source
 * needs besides the plugin ABI of touchflow.h.
 *   linereader.h  line-by-line reading of plain or gzip files
 *   csv.h      an RFC 4180 CSV reader and writer
 *   time.h     timestamps: ISO 8601 parsing, epoch numbers, formatting
 *   timeorder.h   a source's input sorted by event time: the checked promise
 *   filesource.h  the reading half of file-based sources
 *   atomicfile.h  output files that appear complete or not at all
 */
#ifndef TOUCHFLOW_IO_H
#define TOUCHFLOW_IO_H

#include "touchflow.h"
#include "linereader.h"
#include "csv.h"
#include "time.h"
#include "timeorder.h"
#include "filesource.h"
#include "atomicfile.h"

#endif
