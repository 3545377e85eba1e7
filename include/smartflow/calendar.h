/* The event calendar: known corporate events (earnings, FDA decisions, M&A votes) per
 * underlying, loaded once at start. An event is visible to the engine only from its
 * announced_ts on (when given), so a replay never sees the future.
 *
 * File format (JSON), either a top-level array or {"events": [...]}, each element:
 *   {"underlying_id": "AAPL", "event_ts": <ms>, "announced_ts": <ms, optional>,
 *    "event_kind": "earnings" | "fda" | "merger_vote" | ... }
 * Timestamps are epoch ms as everywhere on the wire. */
#ifndef SMARTFLOW_CALENDAR_H
#define SMARTFLOW_CALENDAR_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "smartflow/record.h"

struct sf_calendar_event {
  char underlying_id[SF_SYMBOL_MAX];
  int64_t event_ns;
  int64_t announced_ns; /* SF_TS_NULL when always known */
  char event_kind[SF_NAME_MAX];
};

struct sf_calendar;

/* Builds a calendar from parsed JSON. On error returns SF_EFIELD and a message naming the
 * element and field in errbuf (cap bytes). */
int sf_calendar_from_json(const json_t *j, struct sf_calendar **out, char *errbuf, size_t cap);
/* An empty calendar. */
int sf_calendar_new_empty(struct sf_calendar **out);
void sf_calendar_free(struct sf_calendar *c);
size_t sf_calendar_count(const struct sf_calendar *c);
const struct sf_calendar_event *sf_calendar_get(const struct sf_calendar *c, size_t i);
/* The first event of an underlying at or after ts_ns that is visible at ts_ns, or NULL. */
const struct sf_calendar_event *sf_calendar_next(const struct sf_calendar *c, const char *underlying_id,
                                                 int64_t ts_ns);
/* Encodes back to JSON (array form). */
json_t *sf_calendar_to_json(const struct sf_calendar *c);

#endif
