/* Private to the bus layer: the backend method table and the objects every backend shares.
 * bus.c owns option handling, subjects, partition filtering, message handles (kept on a per
 * subscription list so sf_bus_sub_close can release the unsettled ones) and error text; a
 * backend (inproc.c, nats.c) implements the method table and keeps its state behind `impl`.
 * Locking: bus->lock guards errmsg and stats; sub->lock guards the handle list, the free list
 * and the sub's stats. Backend calls are made without either held. */
#ifndef SMARTFLOW_BUS_IMPL_H
#define SMARTFLOW_BUS_IMPL_H

#include <pthread.h>
#include <stdarg.h>

#include "smartflow/bus.h"

struct sf_bus_backend {
  const char *name;
  /* Sets bus->impl. url is the full url. Writes a reason with sf_bus_core_seterr on failure. */
  int (*open)(struct sf_bus *bus, const char *url);
  void (*close)(struct sf_bus *bus);
  /* subject is the full subject (with prefix); stream is 0 market (SF_MARKET), 1 flow. */
  int (*publish)(struct sf_bus *bus, const char *subject, int stream, const struct sf_record *r);
  int (*flush)(struct sf_bus *bus, int64_t timeout_ms);
  /* Sets sub->impl from sub->durable, sub->filter (full), sub->stream, sub->unfiltered and
   * sub->opts. */
  int (*subscribe)(struct sf_bus_sub *sub);
  /* Delivers through sf_bus_core_deliver; returns its count or the callback's value. */
  int (*fetch)(struct sf_bus_sub *sub, size_t max, int64_t timeout_ms);
  int (*ack)(struct sf_bus_msg *msg);
  int (*nak)(struct sf_bus_msg *msg, int64_t delay_ms);
  /* Releases msg->impl without settling it. */
  void (*release)(struct sf_bus_msg *msg);
  void (*sub_close)(struct sf_bus_sub *sub);
};

struct sf_bus {
  const struct sf_bus_backend *be;
  struct sf_bus_options opts; /* string members point at the copies below */
  char subject_prefix[SF_BUS_NAME_MAX];
  char stream_prefix[SF_BUS_NAME_MAX];
  char client_name[SF_BUS_NAME_MAX];
  pthread_mutex_t lock;
  char errmsg[256];
  struct sf_bus_stats stats;
  int sub_count;
  int closing; /* set (under lock) by sf_bus_close: connection events are expected now */
  void *impl;
};

struct sf_bus_msg {
  struct sf_bus_sub *sub;
  struct sf_bus_msg *prev, *next; /* on sub->outstanding, or next on sub->free */
  char subject[SF_BUS_SUBJECT_MAX];
  uint64_t deliveries, seq;
  void *impl;
};

struct sf_bus_sub {
  struct sf_bus *bus;
  struct sf_bus_sub_options opts; /* string members point at the copies below */
  char durable[SF_BUS_NAME_MAX];
  char subject[SF_BUS_SUBJECT_MAX]; /* as given, without prefix */
  char filter[SF_BUS_SUBJECT_MAX];  /* with the namespace prefix */
  int stream;                       /* 0 market (SF_MARKET), 1 flow (SF_FLOW) */
  int unfiltered;                   /* SF_BUS_FILTER_MARKET: the stream's whole content; filter is
                                       then prefix + "*.>" (what inproc matches against) and the
                                       nats consumer has no filter subject */
  sf_bus_handler cb;
  void *ctx;
  pthread_mutex_t lock;
  struct sf_bus_msg *outstanding; /* unsettled handles */
  struct sf_bus_msg *free;        /* recycled handles */
  struct sf_bus_sub_stats stats;
  void *impl;
};

/* Streams: base names ("SF_MARKET", "SF_FLOW") and the subject families each one holds
 * ({"options", "equities"}, {"flow"}; NULL-terminated). */
#define SF_BUS_STREAMS 2
extern const char *const sf_bus_stream_names[SF_BUS_STREAMS];
extern const char *const sf_bus_stream_families[SF_BUS_STREAMS][3];

/* Writes the stream name (stream prefix + base) into buf. */
void sf_bus_core_stream_name(const struct sf_bus *bus, int stream, char *buf, size_t cap);

/* Sets the bus's error text (thread-safe) and logs it at warn level. */
void sf_bus_core_seterr(struct sf_bus *bus, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Adds to a bus counter under the lock. */
void sf_bus_core_count(struct sf_bus *bus, uint64_t *counter, uint64_t n);

/* 1 if a NATS subject matches a filter ('*' one token, '>' one or more trailing tokens). */
int sf_bus_core_match(const char *filter, const char *subject);

/* A handle for a fetched message (from the sub's free list or the heap), linked on the
 * outstanding list. NULL on out-of-memory. */
struct sf_bus_msg *sf_bus_core_msg_new(struct sf_bus_sub *sub, const char *subject, uint64_t deliveries,
                                       uint64_t seq, void *impl);

/* Hands one decoded record to the subscription: skips (acks) it when it belongs to another
 * partition, else calls the callback. *delivered is set to 1 when the callback ran. Returns
 * the callback's value (0 to go on). */
int sf_bus_core_deliver(struct sf_bus_sub *sub, const struct sf_record *rec, struct sf_bus_msg *msg,
                        int *delivered);

/* Counts and reports a payload that is not a valid record (the backend terminates it). */
void sf_bus_core_reject(struct sf_bus_sub *sub, const char *subject, const char *payload, size_t len,
                        const char *why);

/* Adds to a subscription counter under its lock. */
void sf_bus_core_sub_count(struct sf_bus_sub *sub, uint64_t *counter, uint64_t n);

/* Monotonic clock in ns. */
int64_t sf_bus_core_now_ns(void);

extern const struct sf_bus_backend sf_bus_inproc_backend;
extern const struct sf_bus_backend sf_bus_nats_backend;

#endif
