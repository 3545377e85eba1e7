/* The event calendar (calendar.h): events sorted by (underlying, event time, kind) so that
 * sf_calendar_next is a binary search plus a short scan past events not yet announced. Parsed
 * from JSON only; the file is read by the caller (the engine does no I/O). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartflow/calendar.h"
#include "smartflow/err.h"

struct sf_calendar {
  struct sf_calendar_event *ev;
  size_t n;
};

static int ev_cmp(const void *pa, const void *pb) {
  const struct sf_calendar_event *a = pa, *b = pb;
  int c = strcmp(a->underlying_id, b->underlying_id);
  if (c) return c;
  if (a->event_ns != b->event_ns) return a->event_ns < b->event_ns ? -1 : 1;
  return strcmp(a->event_kind, b->event_kind);
}

int sf_calendar_new_empty(struct sf_calendar **out) {
  *out = calloc(1, sizeof **out);
  return *out ? 0 : SF_ENOMEM;
}

void sf_calendar_free(struct sf_calendar *c) {
  if (!c) return;
  free(c->ev);
  free(c);
}

size_t sf_calendar_count(const struct sf_calendar *c) { return c->n; }
const struct sf_calendar_event *sf_calendar_get(const struct sf_calendar *c, size_t i) {
  return i < c->n ? &c->ev[i] : NULL;
}

static int fail(char *errbuf, size_t cap, size_t i, const char *field, const char *why) {
  if (errbuf && cap) snprintf(errbuf, cap, "calendar event %zu: %s: %s", i, field, why);
  return SF_EFIELD;
}

static int ms_field(const json_t *o, const char *k, bool required, int64_t *out, char *errbuf, size_t cap,
                    size_t i) {
  json_t *v = json_object_get(o, k);
  if (!v || json_is_null(v)) {
    if (required) return fail(errbuf, cap, i, k, "missing");
    *out = SF_TS_NULL;
    return 0;
  }
  if (!json_is_integer(v)) return fail(errbuf, cap, i, k, "must be an integer (epoch ms)");
  *out = sf_ms_to_ns((int64_t)json_integer_value(v));
  return 0;
}

int sf_calendar_from_json(const json_t *j, struct sf_calendar **out, char *errbuf, size_t cap) {
  *out = NULL;
  const json_t *arr = j;
  if (json_is_object(j)) arr = json_object_get(j, "events");
  if (!json_is_array(arr)) {
    if (errbuf && cap) snprintf(errbuf, cap, "calendar: expected an array or {\"events\": [...]}");
    return SF_EFIELD;
  }
  struct sf_calendar *c = calloc(1, sizeof *c);
  size_t n = json_array_size(arr);
  if (!c || (n && !(c->ev = calloc(n, sizeof *c->ev)))) {
    sf_calendar_free(c);
    return SF_ENOMEM;
  }
  int rc = 0;
  for (size_t i = 0; i < n; i++) {
    const json_t *o = json_array_get(arr, i);
    struct sf_calendar_event *ev = &c->ev[i];
    if (!json_is_object(o)) {
      rc = fail(errbuf, cap, i, "element", "must be an object");
      goto out;
    }
    const json_t *u = json_object_get(o, "underlying_id");
    if (!json_is_string(u) || json_string_length(u) == 0 || json_string_length(u) >= SF_SYMBOL_MAX) {
      rc = fail(errbuf, cap, i, "underlying_id", "must be a string of 1..15 characters");
      goto out;
    }
    memcpy(ev->underlying_id, json_string_value(u), json_string_length(u) + 1);
    if ((rc = ms_field(o, "event_ts", true, &ev->event_ns, errbuf, cap, i))) goto out;
    if ((rc = ms_field(o, "announced_ts", false, &ev->announced_ns, errbuf, cap, i))) goto out;
    const json_t *k = json_object_get(o, "event_kind");
    if (k && !json_is_null(k)) {
      if (!json_is_string(k) || json_string_length(k) >= SF_NAME_MAX) {
        rc = fail(errbuf, cap, i, "event_kind", "must be a string of at most 47 characters");
        goto out;
      }
      memcpy(ev->event_kind, json_string_value(k), json_string_length(k) + 1);
    }
  }
  c->n = n;
  if (n > 1) qsort(c->ev, n, sizeof *c->ev, ev_cmp);
out:
  if (rc) {
    sf_calendar_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

const struct sf_calendar_event *sf_calendar_next(const struct sf_calendar *c, const char *underlying_id,
                                                 int64_t ts_ns) {
  /* First event with (underlying, event_ns) >= (underlying_id, ts_ns). */
  size_t lo = 0, hi = c->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int cmp = strcmp(c->ev[mid].underlying_id, underlying_id);
    if (cmp < 0 || (cmp == 0 && c->ev[mid].event_ns < ts_ns))
      lo = mid + 1;
    else
      hi = mid;
  }
  for (size_t i = lo; i < c->n && strcmp(c->ev[i].underlying_id, underlying_id) == 0; i++)
    if (c->ev[i].announced_ns == SF_TS_NULL || c->ev[i].announced_ns <= ts_ns) return &c->ev[i];
  return NULL;
}

json_t *sf_calendar_to_json(const struct sf_calendar *c) {
  json_t *arr = json_array();
  if (!arr) return NULL;
  for (size_t i = 0; i < c->n; i++) {
    const struct sf_calendar_event *ev = &c->ev[i];
    json_t *o = json_object();
    if (!o || json_array_append_new(arr, o)) goto fail;
    json_object_set_new(o, "underlying_id", json_string(ev->underlying_id));
    json_object_set_new(o, "event_ts", json_integer((json_int_t)sf_ns_to_ms(ev->event_ns)));
    if (ev->announced_ns != SF_TS_NULL)
      json_object_set_new(o, "announced_ts", json_integer((json_int_t)sf_ns_to_ms(ev->announced_ns)));
    if (ev->event_kind[0]) json_object_set_new(o, "event_kind", json_string(ev->event_kind));
  }
  return arr;
fail:
  json_decref(arr);
  return NULL;
}
