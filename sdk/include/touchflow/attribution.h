/*
 * touchflow/attribution.h - the umbrella header of the attribution helpers
 * (libtouchflow-attribution, pkg-config touchflow-attribution, which
 * needs touchflow-io): typed fields of vendor records and the fields every
 * attribution event has.
 *   fields.h   typed fields of vendor records, with reject codes and messages
 *   event.h    the fields every attribution event has
 */
#ifndef TOUCHFLOW_ATTRIBUTION_H
#define TOUCHFLOW_ATTRIBUTION_H

#include "io.h"
#include "fields.h"
#include "event.h"

#endif
