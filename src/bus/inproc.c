/* The in-process bus backend: JetStream's semantics inside one process, for the single-process
 * `smartflow run`. There are two streams as with NATS (bus.h): market data (options.> and
 * equities.>, in one publish order) and flow.>. Each is a ring of at most
 * queue_cap retained messages with 1-based sequence numbers, holding deep copies of the
 * records (sf_record_copy; no JSON round trip). A durable consumer is a cursor (the next
 * sequence to look at) plus its pending list (delivered, not acknowledged: sequence, delivery
 * count, redelivery deadline), sorted by sequence. Consumers live as long as the bus, so a
 * durable closed and subscribed again resumes where it was.
 *
 * Invariants: a message stays in its stream while a bound consumer still needs it (it matches
 * the filter and is at or after the cursor, or it is pending); a publish to a full stream whose
 * oldest message is still needed waits (backpressure) up to publish_timeout_ms, then fails with
 * SF_ETIMEOUT. A consumer that is not bound does not hold publishers back: the messages evicted
 * from under it are counted in its `dropped`. Entries are reference counted (the ring holds
 * one, each handle one) so a handle stays valid after eviction. Trace ids seen within
 * dup_window_ms are remembered in an open-addressing table of (hash, time) that is rebuilt
 * without the expired entries when half full; a publish whose trace id is there is dropped.
 *
 * One mutex guards everything and one condition variable (monotonic clock) signals every
 * change; callbacks run with no lock held, so a callback may publish. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/bus_impl.h"
#include "smartflow/err.h"
#include "smartflow/hash.h"

struct entry {
  struct sf_record rec;
  char subject[SF_BUS_SUBJECT_MAX];
  uint64_t seq;
  int refs;
  struct entry *next_free;
};

struct dedup {
  uint64_t *keys; /* 0 = empty */
  int64_t *t_ns;
  size_t cap, used; /* cap a power of two */
};

struct stream {
  struct entry **ring;
  size_t head, count;
  uint64_t first_seq, next_seq; /* first_seq = seq of ring[head] when count > 0 */
  struct dedup dd;
};

struct pending {
  uint64_t seq;
  uint64_t deliveries;
  int64_t due_ns; /* redeliver at or after */
};

struct consumer {
  char durable[SF_BUS_NAME_MAX];
  char filter[SF_BUS_SUBJECT_MAX];
  int stream;
  int64_t ack_wait_ns;
  size_t max_ack_pending;
  uint64_t cursor;
  struct pending *pend;
  size_t npend, cappend;
  struct sf_bus_sub *bound;
  uint64_t dropped; /* not yet added to a sub's stats */
  struct consumer *next;
};

struct inproc {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  size_t cap;
  int64_t dup_window_ns;
  struct stream streams[SF_BUS_STREAMS];
  struct consumer *consumers;
  struct entry *pool; /* entries with no references, records finalised */
};

static int64_t now_ns(void) { return sf_bus_core_now_ns(); }

static void deadline_ts(int64_t at_ns, struct timespec *ts) {
  ts->tv_sec = (time_t)(at_ns / 1000000000);
  ts->tv_nsec = (long)(at_ns % 1000000000);
}

/* ---- dedup window ----------------------------------------------------------------------------- */

static int dedup_alloc(struct dedup *d, size_t cap) {
  d->keys = calloc(cap, sizeof *d->keys);
  d->t_ns = calloc(cap, sizeof *d->t_ns);
  if (!d->keys || !d->t_ns) {
    free(d->keys);
    free(d->t_ns);
    d->keys = NULL;
    d->t_ns = NULL;
    return SF_ENOMEM;
  }
  d->cap = cap;
  d->used = 0;
  return 0;
}

static size_t dedup_slot(const struct dedup *d, uint64_t key) {
  size_t i = (size_t)(key & (d->cap - 1));
  while (d->keys[i] && d->keys[i] != key) i = (i + 1) & (d->cap - 1);
  return i;
}

/* 1 if key was inserted within the window before now. */
static int dedup_seen(const struct dedup *d, uint64_t key, int64_t now, int64_t window) {
  size_t i = dedup_slot(d, key);
  return d->keys[i] == key && now - d->t_ns[i] < window;
}

/* Records key at now; rebuilds (dropping expired keys, growing if still half full) first when
 * the table is half full. Returns 0 or SF_ENOMEM. */
static int dedup_put(struct dedup *d, uint64_t key, int64_t now, int64_t window) {
  size_t i;
  if ((d->used + 1) * 2 > d->cap) {
    struct dedup old = *d;
    size_t live = 0, cap = old.cap;
    for (size_t k = 0; k < old.cap; k++)
      if (old.keys[k] && now - old.t_ns[k] < window) live++;
    while ((live + 1) * 4 > cap) cap *= 2;
    if (dedup_alloc(d, cap) != 0) {
      *d = old;
      return SF_ENOMEM;
    }
    for (size_t k = 0; k < old.cap; k++) {
      if (!old.keys[k] || now - old.t_ns[k] >= window) continue;
      size_t j = dedup_slot(d, old.keys[k]);
      d->keys[j] = old.keys[k];
      d->t_ns[j] = old.t_ns[k];
      d->used++;
    }
    free(old.keys);
    free(old.t_ns);
  }
  i = dedup_slot(d, key);
  if (!d->keys[i]) {
    d->keys[i] = key;
    d->used++;
  }
  d->t_ns[i] = now;
  return 0;
}

static uint64_t dedup_key(const char *trace_id) {
  uint64_t h = sf_hash_str(trace_id);
  return h ? h : 1;
}

/* ---- entries and streams ---------------------------------------------------------------------- */

static void entry_unref(struct inproc *ip, struct entry *e) {
  if (--e->refs > 0) return;
  sf_record_fini(&e->rec);
  e->next_free = ip->pool;
  ip->pool = e;
}

static struct entry *stream_get(struct stream *st, size_t cap, uint64_t seq) {
  if (st->count == 0 || seq < st->first_seq || seq >= st->first_seq + st->count) return NULL;
  return st->ring[(st->head + (size_t)(seq - st->first_seq)) % cap];
}

static struct pending *pend_find(struct consumer *c, uint64_t seq) {
  size_t lo = 0, hi = c->npend;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (c->pend[mid].seq < seq) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < c->npend && c->pend[lo].seq == seq ? &c->pend[lo] : NULL;
}

static void pend_remove(struct consumer *c, struct pending *p) {
  size_t i = (size_t)(p - c->pend);
  memmove(&c->pend[i], &c->pend[i + 1], (c->npend - i - 1) * sizeof *p);
  c->npend--;
}

/* Appends (sequences only grow, so the list stays sorted). */
static int pend_append(struct consumer *c, uint64_t seq, int64_t due) {
  if (c->npend == c->cappend) {
    size_t ncap = c->cappend ? c->cappend * 2 : 64;
    struct pending *np = realloc(c->pend, ncap * sizeof *np);
    if (!np) return SF_ENOMEM;
    c->pend = np;
    c->cappend = ncap;
  }
  c->pend[c->npend].seq = seq;
  c->pend[c->npend].deliveries = 1;
  c->pend[c->npend].due_ns = due;
  c->npend++;
  return 0;
}

/* Tries to evict the oldest message of a full stream. Returns 1 if evicted, 0 if a bound
 * consumer still needs it. */
static int stream_evict_oldest(struct inproc *ip, int stream) {
  struct stream *st = &ip->streams[stream];
  struct entry *e = st->ring[st->head];
  struct consumer *c;
  for (c = ip->consumers; c; c = c->next) {
    if (c->stream != stream || !c->bound) continue;
    if (pend_find(c, e->seq)) return 0;
    if (e->seq >= c->cursor && sf_bus_core_match(c->filter, e->subject)) return 0;
  }
  for (c = ip->consumers; c; c = c->next) {
    struct pending *p;
    if (c->stream != stream) continue;
    if ((p = pend_find(c, e->seq)) != NULL) {
      pend_remove(c, p);
      c->dropped++;
    } else if (e->seq >= c->cursor && sf_bus_core_match(c->filter, e->subject)) {
      c->dropped++;
    }
  }
  st->ring[st->head] = NULL;
  st->head = (st->head + 1) % ip->cap;
  st->count--;
  st->first_seq++;
  entry_unref(ip, e);
  return 1;
}

/* ---- backend methods -------------------------------------------------------------------------- */

static int ip_open(struct sf_bus *bus, const char *url) {
  struct inproc *ip;
  pthread_condattr_t ca;
  (void)url;
  ip = calloc(1, sizeof *ip);
  if (!ip) return SF_ENOMEM;
  ip->cap = bus->opts.queue_cap;
  ip->dup_window_ns = bus->opts.dup_window_ms * 1000000;
  for (int f = 0; f < SF_BUS_STREAMS; f++) {
    ip->streams[f].ring = calloc(ip->cap, sizeof *ip->streams[f].ring);
    ip->streams[f].first_seq = ip->streams[f].next_seq = 1;
    if (!ip->streams[f].ring || dedup_alloc(&ip->streams[f].dd, 1024) != 0) goto fail;
  }
  pthread_mutex_init(&ip->mu, NULL);
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&ip->cv, &ca);
  pthread_condattr_destroy(&ca);
  bus->impl = ip;
  return 0;
fail:
  for (int f = 0; f < SF_BUS_STREAMS; f++) {
    free(ip->streams[f].ring);
    free(ip->streams[f].dd.keys);
    free(ip->streams[f].dd.t_ns);
  }
  free(ip);
  sf_bus_core_seterr(bus, "inproc: out of memory for %zu-message queues", bus->opts.queue_cap);
  return SF_ENOMEM;
}

static void ip_close(struct sf_bus *bus) {
  struct inproc *ip = bus->impl;
  struct consumer *c, *cn;
  struct entry *e, *en;
  for (int f = 0; f < SF_BUS_STREAMS; f++) {
    struct stream *st = &ip->streams[f];
    for (size_t i = 0; i < st->count; i++) {
      e = st->ring[(st->head + i) % ip->cap];
      /* Handles of closed subscriptions have already dropped their references. */
      sf_record_fini(&e->rec);
      free(e);
    }
    free(st->ring);
    free(st->dd.keys);
    free(st->dd.t_ns);
  }
  for (e = ip->pool; e; e = en) {
    en = e->next_free;
    free(e);
  }
  for (c = ip->consumers; c; c = cn) {
    cn = c->next;
    free(c->pend);
    free(c);
  }
  pthread_cond_destroy(&ip->cv);
  pthread_mutex_destroy(&ip->mu);
  free(ip);
}

static int ip_publish(struct sf_bus *bus, const char *subject, int stream, const struct sf_record *r) {
  struct inproc *ip = bus->impl;
  struct stream *st = &ip->streams[stream];
  const char *trace_id = sf_record_meta(r)->trace_id;
  uint64_t key = dedup_key(trace_id);
  int64_t now = now_ns(), deadline = now + bus->opts.publish_timeout_ms * 1000000;
  struct entry *e;
  int rc = 0;

  pthread_mutex_lock(&ip->mu);
  if (dedup_seen(&st->dd, key, now, ip->dup_window_ns)) {
    pthread_mutex_unlock(&ip->mu);
    sf_bus_core_count(bus, &bus->stats.duplicates, 1);
    return 0;
  }
  while (st->count == ip->cap && !stream_evict_oldest(ip, stream)) {
    struct timespec ts;
    deadline_ts(deadline, &ts);
    if (pthread_cond_timedwait(&ip->cv, &ip->mu, &ts) != 0 && now_ns() >= deadline) {
      pthread_mutex_unlock(&ip->mu);
      sf_bus_core_count(bus, &bus->stats.publish_errors, 1);
      sf_bus_core_seterr(bus,
                         "publish %s: stream %s full (%zu messages a subscriber has not acknowledged) "
                         "for %lld ms",
                         trace_id, sf_bus_stream_names[stream], ip->cap,
                         (long long)bus->opts.publish_timeout_ms);
      return SF_ETIMEOUT;
    }
  }
  e = ip->pool;
  if (e) {
    ip->pool = e->next_free;
  } else if ((e = malloc(sizeof *e)) == NULL) {
    rc = SF_ENOMEM;
    goto fail;
  }
  if (sf_record_copy(&e->rec, r) != 0) {
    e->next_free = ip->pool;
    ip->pool = e;
    rc = SF_ENOMEM;
    goto fail;
  }
  if (dedup_put(&st->dd, key, now, ip->dup_window_ns) != 0) {
    sf_record_fini(&e->rec);
    e->next_free = ip->pool;
    ip->pool = e;
    rc = SF_ENOMEM;
    goto fail;
  }
  snprintf(e->subject, sizeof e->subject, "%s", subject);
  e->refs = 1;
  e->seq = st->next_seq++;
  if (st->count == 0) st->first_seq = e->seq;
  st->ring[(st->head + st->count) % ip->cap] = e;
  st->count++;
  pthread_cond_broadcast(&ip->cv);
  pthread_mutex_unlock(&ip->mu);
  sf_bus_core_count(bus, &bus->stats.published, 1);
  return 0;
fail:
  pthread_mutex_unlock(&ip->mu);
  sf_bus_core_count(bus, &bus->stats.publish_errors, 1);
  sf_bus_core_seterr(bus, "publish %s: out of memory", trace_id);
  return rc;
}

static int ip_flush(struct sf_bus *bus, int64_t timeout_ms) {
  (void)bus;
  (void)timeout_ms;
  return 0; /* every publish is in its stream when it returns */
}

static int ip_subscribe(struct sf_bus_sub *sub) {
  struct inproc *ip = sub->bus->impl;
  struct consumer *c;
  int rc = 0;
  pthread_mutex_lock(&ip->mu);
  for (c = ip->consumers; c; c = c->next)
    if (c->stream == sub->stream && strcmp(c->durable, sub->durable) == 0) break;
  if (c) {
    if (c->bound) {
      rc = SF_ESTATE;
      sf_bus_core_seterr(sub->bus, "subscribe %s: durable already bound in this process", sub->durable);
      goto out;
    }
    if (strcmp(c->filter, sub->filter) != 0) {
      rc = SF_EINVAL;
      sf_bus_core_seterr(sub->bus, "subscribe %s: durable exists with filter %s, not %s", sub->durable,
                         c->filter, sub->filter);
      goto out;
    }
  } else {
    c = calloc(1, sizeof *c);
    if (!c) {
      rc = SF_ENOMEM;
      goto out;
    }
    snprintf(c->durable, sizeof c->durable, "%s", sub->durable);
    snprintf(c->filter, sizeof c->filter, "%s", sub->filter);
    c->stream = sub->stream;
    c->cursor = ip->streams[sub->stream].first_seq;
    c->next = ip->consumers;
    ip->consumers = c;
  }
  c->ack_wait_ns = sub->opts.ack_wait_ms * 1000000;
  c->max_ack_pending = (size_t)sub->opts.max_ack_pending;
  c->bound = sub;
  sub->stats.dropped += c->dropped;
  c->dropped = 0;
  sub->impl = c;
out:
  pthread_mutex_unlock(&ip->mu);
  return rc;
}

struct grab {
  struct entry *e;
  uint64_t deliveries;
};

/* Under the lock: takes up to max deliverable messages, redeliveries first. */
static size_t collect(struct inproc *ip, struct consumer *c, struct grab *out, size_t max, int64_t now,
                      int64_t *next_due) {
  struct stream *st = &ip->streams[c->stream];
  size_t n = 0;
  *next_due = INT64_MAX;
  for (size_t i = 0; i < c->npend && n < max; i++) {
    struct pending *p = &c->pend[i];
    if (p->due_ns > now) {
      if (p->due_ns < *next_due) *next_due = p->due_ns;
      continue;
    }
    struct entry *e = stream_get(st, ip->cap, p->seq);
    if (!e) { /* cannot happen while bound (pending pins); be safe */
      pend_remove(c, p);
      i--;
      continue;
    }
    p->deliveries++;
    p->due_ns = now + c->ack_wait_ns;
    e->refs++;
    out[n].e = e;
    out[n].deliveries = p->deliveries;
    n++;
  }
  if (c->cursor < st->first_seq) c->cursor = st->first_seq;
  uint64_t start = c->cursor;
  while (n < max && c->npend < c->max_ack_pending && c->cursor < st->next_seq) {
    struct entry *e = stream_get(st, ip->cap, c->cursor);
    c->cursor++;
    if (!sf_bus_core_match(c->filter, e->subject)) continue;
    if (pend_append(c, e->seq, now + c->ack_wait_ns) != 0) {
      c->cursor--;
      break;
    }
    e->refs++;
    out[n].e = e;
    out[n].deliveries = 1;
    n++;
  }
  /* The cursor moved past messages this consumer does not want: a publisher may evict now. */
  if (c->cursor != start) pthread_cond_broadcast(&ip->cv);
  return n;
}

static void nak_locked(struct inproc *ip, struct consumer *c, uint64_t seq, int64_t delay_ns) {
  struct pending *p = pend_find(c, seq);
  if (p) p->due_ns = now_ns() + delay_ns;
  pthread_cond_broadcast(&ip->cv);
}

static int ip_fetch(struct sf_bus_sub *sub, size_t max, int64_t timeout_ms) {
  struct inproc *ip = sub->bus->impl;
  struct consumer *c = sub->impl;
  int64_t deadline = now_ns() + timeout_ms * 1000000, next_due;
  struct grab small[64], *g = small;
  size_t n = 0, i;
  int delivered = 0, ret = 0;

  if (max > 64) {
    g = malloc(max * sizeof *g);
    if (!g) return SF_ENOMEM;
  }
  pthread_mutex_lock(&ip->mu);
  for (;;) {
    int64_t now = now_ns(), until;
    struct timespec ts;
    n = collect(ip, c, g, max, now, &next_due);
    if (n > 0 || now >= deadline) break;
    until = next_due < deadline ? next_due : deadline;
    deadline_ts(until, &ts);
    pthread_cond_timedwait(&ip->cv, &ip->mu, &ts);
  }
  if (c->dropped) {
    sf_bus_core_sub_count(sub, &sub->stats.dropped, c->dropped);
    c->dropped = 0;
  }
  pthread_mutex_unlock(&ip->mu);

  for (i = 0; i < n; i++) {
    int got;
    struct sf_bus_msg *m = sf_bus_core_msg_new(sub, g[i].e->subject, g[i].deliveries, g[i].e->seq, g[i].e);
    if (!m) {
      ret = SF_ENOMEM;
      break;
    }
    ret = sf_bus_core_deliver(sub, &g[i].e->rec, m, &got);
    delivered += got;
    if (ret != 0) {
      i++;
      break;
    }
  }
  if (i < n) {
    /* Stopped early: the rest go back for immediate redelivery. */
    pthread_mutex_lock(&ip->mu);
    for (; i < n; i++) {
      nak_locked(ip, c, g[i].e->seq, 0);
      entry_unref(ip, g[i].e);
    }
    pthread_mutex_unlock(&ip->mu);
  }
  if (g != small) free(g);
  return ret != 0 ? ret : delivered;
}

static int ip_ack(struct sf_bus_msg *msg) {
  struct inproc *ip = msg->sub->bus->impl;
  struct consumer *c = msg->sub->impl;
  struct entry *e = msg->impl;
  struct pending *p;
  pthread_mutex_lock(&ip->mu);
  if ((p = pend_find(c, msg->seq)) != NULL) pend_remove(c, p);
  entry_unref(ip, e);
  pthread_cond_broadcast(&ip->cv);
  pthread_mutex_unlock(&ip->mu);
  return 0;
}

static int ip_nak(struct sf_bus_msg *msg, int64_t delay_ms) {
  struct inproc *ip = msg->sub->bus->impl;
  pthread_mutex_lock(&ip->mu);
  nak_locked(ip, msg->sub->impl, msg->seq, delay_ms * 1000000);
  entry_unref(ip, msg->impl);
  pthread_mutex_unlock(&ip->mu);
  return 0;
}

static void ip_release(struct sf_bus_msg *msg) {
  struct inproc *ip = msg->sub->bus->impl;
  pthread_mutex_lock(&ip->mu);
  entry_unref(ip, msg->impl);
  pthread_mutex_unlock(&ip->mu);
}

static void ip_sub_close(struct sf_bus_sub *sub) {
  struct inproc *ip = sub->bus->impl;
  struct consumer *c = sub->impl;
  pthread_mutex_lock(&ip->mu);
  c->bound = NULL;
  pthread_cond_broadcast(&ip->cv);
  pthread_mutex_unlock(&ip->mu);
}

const struct sf_bus_backend sf_bus_inproc_backend = {
    .name = "inproc",
    .open = ip_open,
    .close = ip_close,
    .publish = ip_publish,
    .flush = ip_flush,
    .subscribe = ip_subscribe,
    .fetch = ip_fetch,
    .ack = ip_ack,
    .nak = ip_nak,
    .release = ip_release,
    .sub_close = ip_sub_close,
};
