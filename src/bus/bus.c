/* The backend-neutral half of the bus (see bus.h): url and option parsing, the subject scheme
 * of CONTRACTS.md with the namespace prefix and the market-data partition token, partition
 * filtering, message handles and error text. Backends are a const method table
 * (bus_impl.h); the nats table exists in every build and answers SF_ENOTSUP when libnats was
 * compiled out, so no call site needs an #ifdef. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus/bus_impl.h"
#include "smartflow/err.h"
#include "smartflow/hash.h"
#include "smartflow/log.h"

const char *const sf_bus_stream_names[SF_BUS_STREAMS] = {"SF_MARKET", "SF_FLOW"};
const char *const sf_bus_stream_families[SF_BUS_STREAMS][3] = {{"options", "equities", NULL},
                                                               {"flow", NULL, NULL}};

/* Subject (without key token) and stream per record type, in enum order. */
static const struct {
  const char *subject;
  const char *filter;
  int stream;
  int keyed; /* carries the partition token */
} subjects[SF_REC__COUNT] = {
    {"options.prints", "options.prints.>", 0, 1},
    {"options.nbbo", "options.nbbo.>", 0, 1},
    {"equities.quotes", "equities.quotes.>", 0, 1},
    {"equities.prints", "equities.prints.>", 0, 1},
    {"flow.packets", "flow.packets", 1, 0},
    {"flow.smart_money", "flow.smart_money", 1, 0},
    {"flow.classifier_hits", "flow.classifier_hits", 1, 0},
    {"flow.alerts", "flow.alerts", 1, 0},
};

int64_t sf_bus_core_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sf_bus_options_default(struct sf_bus_options *o) {
  memset(o, 0, sizeof *o);
  o->publish_timeout_ms = 5000;
  o->async_window = 0;
  o->dup_window_ms = 120000;
  o->reconnect_wait_ms = 250;
  o->reconnect_buf_bytes = 8 * 1024 * 1024;
  o->queue_cap = 65536;
}

void sf_bus_sub_options_default(struct sf_bus_sub_options *o) {
  memset(o, 0, sizeof *o);
  o->ack_wait_ms = 30000;
  o->max_ack_pending = 4096;
}

void sf_bus_core_seterr(struct sf_bus *bus, const char *fmt, ...) {
  char buf[sizeof bus->errmsg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  pthread_mutex_lock(&bus->lock);
  memcpy(bus->errmsg, buf, sizeof buf);
  pthread_mutex_unlock(&bus->lock);
  sf_log_warn("bus", "%s", buf);
}

void sf_bus_core_count(struct sf_bus *bus, uint64_t *counter, uint64_t n) {
  pthread_mutex_lock(&bus->lock);
  *counter += n;
  pthread_mutex_unlock(&bus->lock);
}

void sf_bus_core_sub_count(struct sf_bus_sub *sub, uint64_t *counter, uint64_t n) {
  pthread_mutex_lock(&sub->lock);
  *counter += n;
  pthread_mutex_unlock(&sub->lock);
}

const char *sf_bus_errmsg(const struct sf_bus *bus) { return bus ? bus->errmsg : ""; }

const char *sf_bus_backend_name(const struct sf_bus *bus) { return bus->be->name; }

void sf_bus_stats(struct sf_bus *bus, struct sf_bus_stats *out) {
  pthread_mutex_lock(&bus->lock);
  *out = bus->stats;
  pthread_mutex_unlock(&bus->lock);
}

void sf_bus_core_stream_name(const struct sf_bus *bus, int stream, char *buf, size_t cap) {
  snprintf(buf, cap, "%s%s", bus->stream_prefix, sf_bus_stream_names[stream]);
}

/* A subject prefix is empty or tokens of [A-Za-z0-9_-], each followed by '.'. */
static int valid_subject_prefix(const char *p) {
  size_t tok = 0;
  for (; *p; p++) {
    if (*p == '.') {
      if (tok == 0) return 0;
      tok = 0;
    } else if (isalnum((unsigned char)*p) || *p == '_' || *p == '-') {
      tok++;
    } else {
      return 0;
    }
  }
  return tok == 0;
}

/* Names (streams, durables, stream prefixes): [A-Za-z0-9_-], possibly empty. */
static int valid_name(const char *p) {
  for (; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-') return 0;
  return 1;
}

__attribute__((format(printf, 3, 4))) static void errput(char *errbuf, size_t errcap, const char *fmt, ...) {
  va_list ap;
  if (!errbuf || !errcap) return;
  va_start(ap, fmt);
  vsnprintf(errbuf, errcap, fmt, ap);
  va_end(ap);
}

int sf_bus_open(const char *url, const struct sf_bus_options *opts, struct sf_bus **out, char *errbuf,
                size_t errcap) {
  struct sf_bus *bus = NULL;
  const struct sf_bus_backend *be;
  struct sf_bus_options o;
  int rc;

  *out = NULL;
  if (errbuf && errcap) errbuf[0] = '\0';
  if (!url || !*url || strcmp(url, "inproc:") == 0 || strcmp(url, "inproc") == 0) {
    be = &sf_bus_inproc_backend;
  } else if (strncmp(url, "nats://", 7) == 0) {
    be = &sf_bus_nats_backend;
  } else {
    errput(errbuf, errcap, "bus url \"%s\": expected inproc: or nats://HOST:PORT", url);
    return SF_EINVAL;
  }
  if (opts) {
    o = *opts;
  } else {
    sf_bus_options_default(&o);
  }
  const char *sp = o.subject_prefix ? o.subject_prefix : "";
  const char *cn = o.client_name ? o.client_name : "smartflow";
  if (strlen(sp) >= SF_BUS_NAME_MAX - 16 || !valid_subject_prefix(sp)) {
    errput(errbuf, errcap, "bus subject_prefix \"%s\": expected tokens of [A-Za-z0-9_-] each ending in '.'",
           sp);
    return SF_EINVAL;
  }
  if (o.stream_prefix && (strlen(o.stream_prefix) >= SF_BUS_NAME_MAX - 16 || !valid_name(o.stream_prefix))) {
    errput(errbuf, errcap, "bus stream_prefix \"%s\": expected [A-Za-z0-9_-]", o.stream_prefix);
    return SF_EINVAL;
  }
  if (strlen(cn) >= SF_BUS_NAME_MAX) {
    errput(errbuf, errcap, "bus client_name \"%s\": too long", cn);
    return SF_EINVAL;
  }
  if (o.publish_timeout_ms <= 0 || o.async_window < 0 || o.dup_window_ms <= 0 || o.reconnect_wait_ms <= 0 ||
      o.reconnect_buf_bytes < 0 || o.queue_cap == 0) {
    errput(errbuf, errcap,
           "bus options: publish_timeout_ms, dup_window_ms, reconnect_wait_ms and queue_cap "
           "must be > 0, async_window and reconnect_buf_bytes >= 0");
    return SF_EINVAL;
  }
  bus = calloc(1, sizeof *bus);
  if (!bus) return SF_ENOMEM;
  bus->be = be;
  pthread_mutex_init(&bus->lock, NULL);
  snprintf(bus->subject_prefix, sizeof bus->subject_prefix, "%s", sp);
  if (o.stream_prefix) {
    snprintf(bus->stream_prefix, sizeof bus->stream_prefix, "%s", o.stream_prefix);
  } else {
    /* "replay." -> "REPLAY_": distinct namespaces get distinct streams. */
    size_t i;
    for (i = 0; sp[i] && i + 1 < sizeof bus->stream_prefix; i++)
      bus->stream_prefix[i] = sp[i] == '.' ? '_' : (char)toupper((unsigned char)sp[i]);
    bus->stream_prefix[i] = '\0';
  }
  snprintf(bus->client_name, sizeof bus->client_name, "%s", cn);
  bus->opts = o;
  bus->opts.subject_prefix = bus->subject_prefix;
  bus->opts.stream_prefix = bus->stream_prefix;
  bus->opts.client_name = bus->client_name;
  rc = be->open(bus, url ? url : "inproc:");
  if (rc != 0) goto fail;
  *out = bus;
  return 0;
fail:
  if (errbuf && errcap) snprintf(errbuf, errcap, "%s", bus->errmsg[0] ? bus->errmsg : sf_strerror(rc));
  pthread_mutex_destroy(&bus->lock);
  free(bus);
  return rc;
}

void sf_bus_close(struct sf_bus *bus) {
  if (!bus) return;
  if (bus->sub_count != 0)
    sf_log_error("bus", "sf_bus_close with %d subscription(s) still open; they are now invalid",
                 bus->sub_count);
  pthread_mutex_lock(&bus->lock);
  bus->closing = 1;
  pthread_mutex_unlock(&bus->lock);
  bus->be->close(bus);
  pthread_mutex_destroy(&bus->lock);
  free(bus);
}

/* ---- subjects and partitions ---------------------------------------------------------------- */

/* The root of a contract id: canonical ROOT-YYYY-MM-DD-STRIKE-R (the root may hold '-', so
 * five tokens are cut from the right) or OSI (the last 15 characters are YYMMDD, C|P and the
 * strike; the root is what precedes them, without padding). */
static void contract_root(const char *id, char *buf, size_t cap) {
  size_t len = strlen(id), end = 0;
  int dashes = 0;
  for (size_t i = len; i > 0; i--) {
    if (id[i - 1] == '-' && ++dashes == 5) {
      end = i - 1;
      break;
    }
  }
  if (dashes < 5) {
    end = len >= 15 ? len - 15 : 0;
    while (end > 0 && id[end - 1] == ' ') end--;
  }
  if (end >= cap) end = cap - 1;
  memcpy(buf, id, end);
  buf[end] = '\0';
}

void sf_bus_partition_key(const struct sf_record *r, char *buf, size_t cap) {
  const char *key = "";
  buf[0] = '\0';
  switch (r->type) {
    case SF_REC_OPTION_PRINT:
      if (r->u.option_print.enriched && r->u.option_print.underlying_id[0]) {
        key = r->u.option_print.underlying_id;
      } else {
        contract_root(r->u.option_print.option_contract_id, buf, cap);
        return;
      }
      break;
    case SF_REC_OPTION_NBBO:
      contract_root(r->u.option_nbbo.option_contract_id, buf, cap);
      return;
    case SF_REC_EQUITY_QUOTE:
      key = r->u.equity_quote.underlying_id;
      break;
    case SF_REC_EQUITY_PRINT:
      key = r->u.equity_print.underlying_id;
      break;
    case SF_REC_SMART_MONEY:
      key = r->u.smart_money.underlying_id;
      break;
    default:
      break;
  }
  snprintf(buf, cap, "%s", key);
}

uint32_t sf_bus_partition_of(const char *underlying_id, uint32_t n) {
  if (n <= 1) return 0;
  return (uint32_t)(sf_hash_str(underlying_id) % n);
}

int sf_bus_subject_of(const struct sf_record *r, char *buf, size_t cap) {
  char key[SF_BUS_NAME_MAX];
  int n;
  if ((unsigned)r->type >= SF_REC__COUNT) return SF_ETYPE;
  if (!subjects[r->type].keyed) {
    n = snprintf(buf, cap, "%s", subjects[r->type].subject);
    return n < 0 || (size_t)n >= cap ? SF_ERANGE : n;
  }
  sf_bus_partition_key(r, key, sizeof key);
  /* A NATS token may not hold '.', '*', '>' or white space; such bytes become '_'. */
  for (char *p = key; *p; p++)
    if (*p == '.' || *p == '*' || *p == '>' || (unsigned char)*p <= ' ' || (unsigned char)*p == 0x7f)
      *p = '_';
  n = snprintf(buf, cap, "%s.%s", subjects[r->type].subject, key[0] ? key : "_");
  return n < 0 || (size_t)n >= cap ? SF_ERANGE : n;
}

const char *sf_bus_filter_of(enum sf_record_type t) {
  return (unsigned)t < SF_REC__COUNT ? subjects[t].filter : NULL;
}

int sf_bus_type_of_subject(const char *subject) {
  for (int t = 0; t < SF_REC__COUNT; t++) {
    size_t n = strlen(subjects[t].subject);
    if (strncmp(subject, subjects[t].subject, n) != 0) continue;
    if (subject[n] == '\0' && !subjects[t].keyed) return t;
    if (subject[n] == '.' && subjects[t].keyed && subject[n + 1]) return t;
  }
  return -1;
}

int sf_bus_core_match(const char *filter, const char *subject) {
  const char *f = filter, *s = subject;
  for (;;) {
    const char *fe = strchr(f, '.'), *se = strchr(s, '.');
    size_t fl = fe ? (size_t)(fe - f) : strlen(f), sl = se ? (size_t)(se - s) : strlen(s);
    if (fl == 1 && f[0] == '>') return sl > 0;
    if (!(fl == 1 && f[0] == '*') && (fl != sl || memcmp(f, s, fl) != 0)) return 0;
    if (!fe || !se) return !fe && !se;
    f = fe + 1;
    s = se + 1;
  }
}

/* A filter is tokens separated by '.', '*' a whole token, '>' only the whole last token,
 * within one family (its first token). Returns the family's stream or -1. */
static int filter_stream(const char *filter) {
  const char *p = filter;
  int stream = -1;
  for (int i = 0; i < SF_BUS_STREAMS; i++) {
    for (int k = 0; sf_bus_stream_families[i][k]; k++) {
      size_t n = strlen(sf_bus_stream_families[i][k]);
      if (strncmp(filter, sf_bus_stream_families[i][k], n) == 0 && (filter[n] == '.' || filter[n] == '\0'))
        stream = i;
    }
  }
  if (stream < 0) return -1;
  for (;;) {
    const char *e = strchr(p, '.');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n == 0) return -1;
    for (size_t i = 0; i < n; i++) {
      unsigned char c = (unsigned char)p[i];
      if (c <= ' ' || c == 0x7f) return -1;
      if ((c == '*' || c == '>') && n != 1) return -1;
      if (c == '>' && e) return -1;
    }
    if (!e) return stream;
    p = e + 1;
  }
}

int sf_bus_publish(struct sf_bus *bus, const struct sf_record *r) {
  char subject[SF_BUS_SUBJECT_MAX], *p;
  size_t plen = strlen(bus->subject_prefix);
  int n;
  const struct sf_meta *m;
  if ((unsigned)r->type >= SF_REC__COUNT) {
    sf_bus_core_seterr(bus, "publish: unknown record type %d", (int)r->type);
    return SF_ETYPE;
  }
  m = sf_record_meta(r);
  if (!m->trace_id[0]) {
    sf_bus_core_seterr(bus, "publish %s: trace_id is empty (it is the dedup id)",
                       sf_record_type_name(r->type));
    return SF_EINVAL;
  }
  memcpy(subject, bus->subject_prefix, plen);
  p = subject + plen;
  n = sf_bus_subject_of(r, p, sizeof subject - plen);
  if (n < 0) {
    sf_bus_core_seterr(bus, "publish %s %s: subject too long", sf_record_type_name(r->type), m->trace_id);
    return n;
  }
  return bus->be->publish(bus, subject, subjects[r->type].stream, r);
}

int sf_bus_flush(struct sf_bus *bus, int64_t timeout_ms) { return bus->be->flush(bus, timeout_ms); }

/* ---- subscriptions ------------------------------------------------------------------------- */

int sf_bus_subscribe(struct sf_bus *bus, const struct sf_bus_sub_options *opts, sf_bus_handler cb, void *ctx,
                     struct sf_bus_sub **out) {
  struct sf_bus_sub *sub = NULL;
  int stream, rc, unfiltered;

  *out = NULL;
  if (!opts || !cb || !opts->durable || !opts->subject) {
    sf_bus_core_seterr(bus, "subscribe: durable, subject and callback are required");
    return SF_EINVAL;
  }
  if (!opts->durable[0] || strlen(opts->durable) >= SF_BUS_NAME_MAX || !valid_name(opts->durable)) {
    sf_bus_core_seterr(bus, "subscribe: durable \"%s\": expected 1..63 of [A-Za-z0-9_-]", opts->durable);
    return SF_EINVAL;
  }
  unfiltered = strcmp(opts->subject, SF_BUS_FILTER_MARKET) == 0;
  stream = unfiltered ? 0 : filter_stream(opts->subject);
  if (stream < 0 || strlen(opts->subject) + strlen(bus->subject_prefix) >= SF_BUS_SUBJECT_MAX) {
    sf_bus_core_seterr(bus,
                       "subscribe %s: subject \"%s\": expected \"" SF_BUS_FILTER_MARKET
                       "\" or a filter within options., equities. or flow. (tokens, '*', a final '>')",
                       opts->durable, opts->subject);
    return SF_EINVAL;
  }
  if (opts->ack_wait_ms <= 0 || opts->max_ack_pending <= 0 ||
      (opts->partition_count > 0 && opts->partition_index >= opts->partition_count) ||
      (opts->partition_count == 0 && opts->partition_index != 0)) {
    sf_bus_core_seterr(bus,
                       "subscribe %s: ack_wait_ms and max_ack_pending must be > 0 and partition_index < "
                       "partition_count (got %u/%u)",
                       opts->durable, opts->partition_index, opts->partition_count);
    return SF_EINVAL;
  }
  sub = calloc(1, sizeof *sub);
  if (!sub) return SF_ENOMEM;
  sub->bus = bus;
  sub->opts = *opts;
  snprintf(sub->durable, sizeof sub->durable, "%s", opts->durable);
  snprintf(sub->subject, sizeof sub->subject, "%s", opts->subject);
  snprintf(sub->filter, sizeof sub->filter, "%s%s", bus->subject_prefix, unfiltered ? "*.>" : opts->subject);
  sub->opts.durable = sub->durable;
  sub->opts.subject = sub->subject;
  sub->stream = stream;
  sub->unfiltered = unfiltered;
  sub->cb = cb;
  sub->ctx = ctx;
  pthread_mutex_init(&sub->lock, NULL);
  rc = bus->be->subscribe(sub);
  if (rc != 0) goto fail;
  pthread_mutex_lock(&bus->lock);
  bus->sub_count++;
  pthread_mutex_unlock(&bus->lock);
  *out = sub;
  return 0;
fail:
  pthread_mutex_destroy(&sub->lock);
  free(sub);
  return rc;
}

int sf_bus_fetch(struct sf_bus_sub *sub, size_t max, int64_t timeout_ms) {
  if (max == 0 || timeout_ms <= 0) {
    sf_bus_core_seterr(sub->bus, "fetch %s: max and timeout_ms must be > 0", sub->durable);
    return SF_EINVAL;
  }
  if (max > 1000000) max = 1000000;
  int64_t deadline = sf_bus_core_now_ns() + timeout_ms * 1000000;
  for (;;) {
    struct sf_bus_sub_stats before, after;
    int rc;
    sf_bus_sub_stats(sub, &before);
    rc = sub->bus->be->fetch(sub, max, timeout_ms);
    if (rc != 0) return rc;
    /* A batch made only of other partitions' (or rejected) messages delivered nothing but
     * was not a timeout: look again while time remains, so 0 keeps meaning "nothing now". */
    sf_bus_sub_stats(sub, &after);
    if (after.skipped == before.skipped && after.rejected == before.rejected) return 0;
    timeout_ms = (deadline - sf_bus_core_now_ns()) / 1000000;
    if (timeout_ms <= 0) return 0;
  }
}

struct sf_bus_msg *sf_bus_core_msg_new(struct sf_bus_sub *sub, const char *subject, uint64_t deliveries,
                                       uint64_t seq, void *impl) {
  struct sf_bus_msg *m;
  pthread_mutex_lock(&sub->lock);
  m = sub->free;
  if (m) sub->free = m->next;
  pthread_mutex_unlock(&sub->lock);
  if (!m) {
    m = malloc(sizeof *m);
    if (!m) return NULL;
  }
  m->sub = sub;
  snprintf(m->subject, sizeof m->subject, "%s", subject);
  m->deliveries = deliveries;
  m->seq = seq;
  m->impl = impl;
  pthread_mutex_lock(&sub->lock);
  m->prev = NULL;
  m->next = sub->outstanding;
  if (sub->outstanding) sub->outstanding->prev = m;
  sub->outstanding = m;
  pthread_mutex_unlock(&sub->lock);
  return m;
}

/* Unlinks a settled handle and puts it on the free list. */
static void msg_recycle(struct sf_bus_msg *m) {
  struct sf_bus_sub *sub = m->sub;
  pthread_mutex_lock(&sub->lock);
  if (m->prev) {
    m->prev->next = m->next;
  } else {
    sub->outstanding = m->next;
  }
  if (m->next) m->next->prev = m->prev;
  m->impl = NULL;
  m->prev = NULL;
  m->next = sub->free;
  sub->free = m;
  pthread_mutex_unlock(&sub->lock);
}

int sf_bus_ack(struct sf_bus_msg *msg) {
  struct sf_bus_sub *sub = msg->sub;
  int rc = sub->bus->be->ack(msg);
  if (rc == 0) sf_bus_core_sub_count(sub, &sub->stats.acked, 1);
  msg_recycle(msg);
  return rc;
}

int sf_bus_nak(struct sf_bus_msg *msg, int64_t delay_ms) {
  struct sf_bus_sub *sub = msg->sub;
  int rc = sub->bus->be->nak(msg, delay_ms < 0 ? 0 : delay_ms);
  if (rc == 0) sf_bus_core_sub_count(sub, &sub->stats.naked, 1);
  msg_recycle(msg);
  return rc;
}

const char *sf_bus_msg_subject(const struct sf_bus_msg *msg) { return msg->subject; }
uint64_t sf_bus_msg_deliveries(const struct sf_bus_msg *msg) { return msg->deliveries; }
uint64_t sf_bus_msg_seq(const struct sf_bus_msg *msg) { return msg->seq; }

int sf_bus_core_deliver(struct sf_bus_sub *sub, const struct sf_record *rec, struct sf_bus_msg *msg,
                        int *delivered) {
  *delivered = 0;
  if (sub->opts.partition_count > 1) {
    char key[SF_BUS_NAME_MAX];
    sf_bus_partition_key(rec, key, sizeof key);
    if (sf_bus_partition_of(key, sub->opts.partition_count) != sub->opts.partition_index) {
      /* Another partition's durable owns it; this consumer is done with it. */
      int rc = sub->bus->be->ack(msg);
      msg_recycle(msg);
      sf_bus_core_sub_count(sub, &sub->stats.skipped, 1);
      if (rc != 0) sf_bus_core_seterr(sub->bus, "%s: ack of a skipped message failed", sub->durable);
      return 0;
    }
  }
  pthread_mutex_lock(&sub->lock);
  sub->stats.delivered++;
  if (msg->deliveries > 1) sub->stats.redelivered++;
  pthread_mutex_unlock(&sub->lock);
  *delivered = 1;
  return sub->cb(sub->ctx, rec, msg);
}

void sf_bus_core_reject(struct sf_bus_sub *sub, const char *subject, const char *payload, size_t len,
                        const char *why) {
  sf_bus_core_sub_count(sub, &sub->stats.rejected, 1);
  sf_bus_core_seterr(sub->bus, "%s: rejected message on %s: %s", sub->durable, subject, why);
  if (sub->opts.on_reject) sub->opts.on_reject(sub->opts.reject_ctx, subject, payload, len, why);
}

void sf_bus_sub_stats(struct sf_bus_sub *sub, struct sf_bus_sub_stats *out) {
  pthread_mutex_lock(&sub->lock);
  *out = sub->stats;
  pthread_mutex_unlock(&sub->lock);
}

void sf_bus_sub_close(struct sf_bus_sub *sub) {
  struct sf_bus_msg *m, *next;
  struct sf_bus *bus;
  if (!sub) return;
  bus = sub->bus;
  for (m = sub->outstanding; m; m = next) {
    next = m->next;
    bus->be->release(m);
    free(m);
  }
  for (m = sub->free; m; m = next) {
    next = m->next;
    free(m);
  }
  bus->be->sub_close(sub);
  pthread_mutex_lock(&bus->lock);
  bus->sub_count--;
  pthread_mutex_unlock(&bus->lock);
  pthread_mutex_destroy(&sub->lock);
  free(sub);
}
