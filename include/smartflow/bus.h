/* The bus: records published by one part of smartflow and consumed by others, in one process
 * (backend "inproc") or across processes through NATS JetStream (backend "nats"). Both backends
 * keep the same semantics, so a pipeline behaves the same in `smartflow run` and split into
 * `ingest | compute | store` processes.
 *
 * Subjects (CONTRACTS.md "Bus subjects"), each behind the namespace prefix of the bus
 * (options.subject_prefix: "" for live, "replay." for replay, so that replay never mixes into
 * live; a consumer only ever sees its own namespace):
 *
 *   option-print    options.prints.<U>        stream SF_MARKET  (options.> and equities.>)
 *   option-nbbo     options.nbbo.<U>          stream SF_MARKET
 *   equity-quote    equities.quotes.<U>       stream SF_MARKET
 *   equity-print    equities.prints.<U>       stream SF_MARKET
 *   flow-packet     flow.packets              stream SF_FLOW    (flow.>)
 *   smart-money     flow.smart_money          stream SF_FLOW
 *   classifier-hit  flow.classifier_hits      stream SF_FLOW
 *   alert           flow.alerts               stream SF_FLOW
 *
 * Market data carries one more token, <U>, the partition key: the underlying id (for option
 * records the enriched underlying_id when set, else the root of the contract id), with every
 * byte that NATS does not allow in a token ('.', '*', '>', space, control) written as '_' and an
 * empty key written as "_". So `options.prints.>` is every option print, `options.prints.SPY`
 * one underlying. Flow subjects are exactly the legacy ones, so existing subscribers keep
 * working.
 *
 * Why one market stream: the engine's output depends on the interleaving of option prints,
 * option NBBO and underlying quotes (a print is signed against the quotes published before it),
 * so a compute worker must see all market data in the one order it was published. A stream is
 * the unit of order in JetStream, hence all of options.> and equities.> live in SF_MARKET, and a
 * worker subscribes with the pseudo-filter SF_BUS_FILTER_MARKET ("market"): a consumer with no
 * subject filter that reads the whole market stream in publish order. Filters such as
 * `options.>` or `equities.quotes.SPY` still work (a filtered consumer of SF_MARKET) for readers
 * that need one family only.
 *
 * Partitioning: `compute --partition i/N` subscribes to SF_BUS_FILTER_MARKET with
 * sf_bus_sub_options.partition_index = i, partition_count = N and a durable name of its own;
 * a message whose key is outside slice i (sf_bus_partition_of(key, N) != i) is acknowledged and
 * skipped without reaching the callback. Every partition reads the whole stream, so N can change
 * between runs without republishing; the slice of an underlying never changes for a given N.
 *
 * Streams are created when missing, with file storage and a duplicate window; their names are
 * the stream prefix (default: the subject prefix upper-cased with '.' as '_', so "replay." gives
 * REPLAY_SF_MARKET) followed by SF_MARKET or SF_FLOW. (Before issue 7 there were three streams,
 * SF_OPTIONS, SF_EQUITIES and SF_FLOW; a server holding those old streams must have them deleted,
 * since their subjects overlap SF_MARKET's and the server refuses to create it.)
 *
 * Delivery is at-least-once. A publish returns once the server has stored the message (the
 * JetStream PubAck), or, with options.async_window > 0, once it is in flight (sf_bus_flush waits
 * for all PubAcks). Each message carries its record's trace_id as the JetStream Nats-Msg-Id, so
 * a re-publish within the duplicate window (after a crash, or a retry across a server restart)
 * is dropped by the server and counted in sf_bus_stats.duplicates; the inproc backend keeps the
 * same window. A consumer acknowledges a message with sf_bus_ack once the record is safely
 * processed (a store acks after its write commits); a message not acknowledged within ack_wait
 * is delivered again, with its delivery count incremented. Consumers must therefore be
 * idempotent by trace_id.
 *
 * Consumption is pull-style: sf_bus_subscribe binds a durable consumer and a callback,
 * sf_bus_fetch(sub, max, timeout_ms) delivers up to max records by calling the callback on the
 * caller's thread and returns. Why pull rather than push: the consumer's thread (the one that
 * owns its store connection or engine) does the work and the acks, so nothing needs a lock;
 * the server sends only what was asked for, which is the backpressure (a slow store never makes
 * the client buffer without bound or drop as a slow consumer); and a test can say "fetch 10"
 * and know exactly which callbacks ran, which makes redelivery tests deterministic. One
 * subscription has one subject filter (or none, SF_BUS_FILTER_MARKET), as a JetStream 2.9
 * consumer does; a process needing families of both streams opens one subscription per stream
 * and fetches from each (there is no order between the two streams).
 *
 * Backends: "inproc:" (the default for a NULL or empty url) and "nats://HOST:PORT". A build
 * without libnats (SF_HAVE_NATS = 0 in smartflow/version.h) answers SF_ENOTSUP for nats urls.
 * Threads: a bus may be used from several threads (publishers and subscriptions); one
 * subscription is fetched from one thread at a time; message handles may be settled from any
 * thread. */
#ifndef SMARTFLOW_BUS_H
#define SMARTFLOW_BUS_H

#include <stddef.h>
#include <stdint.h>

#include "smartflow/record.h"

struct sf_bus;
struct sf_bus_sub;
struct sf_bus_msg;

#define SF_BUS_SUBJECT_MAX 128 /* longest subject, with NUL */
#define SF_BUS_NAME_MAX 64     /* prefixes, client, durable and stream names, with NUL */

/* The subscription "subject" that reads every market-data record (options.> and equities.>) in
 * publish order: the unfiltered consumer of stream SF_MARKET. */
#define SF_BUS_FILTER_MARKET "market"

struct sf_bus_options {
  const char *subject_prefix;  /* borrowed (copied); NULL or "" for live; else tokens of
                                  [A-Za-z0-9_-] each followed by '.', e.g. "replay." */
  const char *stream_prefix;   /* borrowed (copied); NULL: derived from subject_prefix */
  const char *client_name;     /* borrowed (copied); NULL: "smartflow" */
  int64_t publish_timeout_ms;  /* how long a publish may wait for its PubAck, retrying across a
                                  reconnect, or for queue space in inproc (5000) */
  int async_window;            /* 0: each publish waits for its PubAck; > 0: up to this many
                                  publishes in flight, sf_bus_flush waits for them (0) */
  int64_t dup_window_ms;       /* duplicate window of created streams and of inproc (120000) */
  int64_t reconnect_wait_ms;   /* nats: pause between reconnect attempts (250); attempts never
                                  stop */
  int64_t reconnect_buf_bytes; /* nats: bytes buffered while disconnected (8 MiB) */
  size_t queue_cap;            /* inproc: messages retained per stream; a publish waits while the
                                  stream is full of messages an active subscription still needs
                                  (65536) */
};

/* Fills o with the defaults above. */
void sf_bus_options_default(struct sf_bus_options *o);

/* Opens a bus. url: NULL, "" or "inproc:" for the in-process backend, "nats://HOST:PORT" for
 * NATS JetStream (connects, then creates the two streams when missing). opts may be NULL for
 * the defaults. *out is owned (free with sf_bus_close). Returns 0, SF_EINVAL (bad url or
 * option), SF_ENOTSUP (backend compiled out), SF_EIO (cannot connect), SF_ESERVER (stream
 * creation refused) or SF_ENOMEM. On failure *out is NULL and, since no bus exists to hold it,
 * the reason is written to errbuf (errcap bytes) when errbuf is not NULL. */
int sf_bus_open(const char *url, const struct sf_bus_options *opts, struct sf_bus **out, char *errbuf,
                size_t errcap);

/* Flushes pending publishes (best effort, bounded by publish_timeout_ms) and closes the bus.
 * Every subscription must be closed first. NULL is a no-op. */
void sf_bus_close(struct sf_bus *bus);

/* The backend's name: "inproc" or "nats". */
const char *sf_bus_backend_name(const struct sf_bus *bus);

/* The text of the last error on this bus or one of its subscriptions (a connection event, a
 * rejected message, a failed call), "" when none. Borrowed until the next call on the bus. */
const char *sf_bus_errmsg(const struct sf_bus *bus);

/* The subject a record is published on, without the namespace prefix, written into buf.
 * Returns its length, SF_ETYPE for an unknown type or SF_ERANGE if cap is too small. */
int sf_bus_subject_of(const struct sf_record *r, char *buf, size_t cap);

/* The subject filter matching every record of a type, without the namespace prefix:
 * "options.prints.>", ..., "flow.alerts". NULL for an unknown type. A static string. */
const char *sf_bus_filter_of(enum sf_record_type t);

/* The record type a subject (without prefix, with or without its key token) carries, or -1. */
int sf_bus_type_of_subject(const char *subject);

/* The partition key of a record written into buf (cap >= SF_BUS_NAME_MAX): the underlying for
 * market data and smart-money events, "" for the other derived records. */
void sf_bus_partition_key(const struct sf_record *r, char *buf, size_t cap);

/* The slice, 0..n-1, that owns an underlying: sf_hash_str(underlying_id) mod n. Stable across
 * processes, machines and runs. n == 0 is treated as 1. */
uint32_t sf_bus_partition_of(const char *underlying_id, uint32_t n);

/* Publishes a record (borrowed for the call) on its subject, payload its JSON (record_json.h),
 * deduplicated by its trace_id. Returns 0 once stored (or in flight, with an async window),
 * SF_EINVAL (empty trace_id), SF_ETYPE, SF_ETIMEOUT (no PubAck within publish_timeout_ms, or
 * inproc queue still full), SF_ESERVER (rejected), SF_ECLOSED or SF_ENOMEM; details in
 * sf_bus_errmsg. A duplicate is not an error: it returns 0 and counts in stats.duplicates. */
int sf_bus_publish(struct sf_bus *bus, const struct sf_record *r);

/* Waits until every publish in flight has its PubAck, up to timeout_ms. Returns 0,
 * SF_ETIMEOUT, or SF_ESERVER if any asynchronous publish since the last flush failed (the
 * count is in stats.publish_errors). A no-op returning 0 without an async window. */
int sf_bus_flush(struct sf_bus *bus, int64_t timeout_ms);

struct sf_bus_stats {
  uint64_t published;      /* publishes stored (PubAck received or inproc enqueued) */
  uint64_t duplicates;     /* publishes the duplicate window dropped */
  uint64_t publish_errors; /* publishes that failed (sync or async) */
  uint64_t retries;        /* publish attempts repeated after a timeout or disconnect */
  uint64_t disconnects, reconnects;
};
void sf_bus_stats(struct sf_bus *bus, struct sf_bus_stats *out);

/* ---- consuming ---------------------------------------------------------------------------- */

/* Called by sf_bus_fetch for each delivered record. rec is borrowed until the callback returns
 * (copy it with sf_record_copy to keep it). msg is owned by the subscription until it is
 * settled with sf_bus_ack or sf_bus_nak, which may happen inside the callback or later (after a
 * batched store commit); a handle never settled is released, unacknowledged, by
 * sf_bus_sub_close. A non-zero return stops the fetch: the messages fetched but not yet
 * delivered are negatively acknowledged (delivered again at once) and sf_bus_fetch returns that
 * value. */
typedef int (*sf_bus_handler)(void *ctx, const struct sf_record *rec, struct sf_bus_msg *msg);

/* Called for a message whose payload is not a valid record of its subject's type; the message
 * is then terminated (never delivered again) and counted in stats.rejected. payload is
 * borrowed for the call, why names the field or offset. */
typedef void (*sf_bus_reject_handler)(void *ctx, const char *subject, const char *payload, size_t len,
                                      const char *why);

struct sf_bus_sub_options {
  const char *durable;                       /* required: [A-Za-z0-9_-], the consumer's name; its position and
                                                unacknowledged messages survive sf_bus_sub_close and, with nats, the
                                                process (resume from durable) */
  const char *subject;                       /* required: SF_BUS_FILTER_MARKET, or one filter without the
                                                namespace within one family: "options.prints.>",
                                                "options.>", "flow.smart_money", ... */
  int64_t ack_wait_ms;                       /* redelivery after this long without an ack (30000) */
  int max_ack_pending;                       /* unacknowledged messages outstanding at most (4096) */
  uint32_t partition_index, partition_count; /* 0/0: every message */
  sf_bus_reject_handler on_reject;           /* may be NULL (the reject is still counted and logged) */
  void *reject_ctx;
};

/* Fills o with the defaults (durable and subject NULL). */
void sf_bus_sub_options_default(struct sf_bus_sub_options *o);

/* Creates or resumes the durable consumer opts->durable on the filter opts->subject (within
 * the bus's namespace) and binds cb/ctx to it. A new consumer starts at the first message the
 * stream retains. opts is copied. *out is owned (sf_bus_sub_close). Returns 0, SF_EINVAL (bad
 * durable, filter, partition), SF_ESTATE (the durable is already bound in this bus, inproc),
 * SF_ESERVER, SF_EIO or SF_ENOMEM. */
int sf_bus_subscribe(struct sf_bus *bus, const struct sf_bus_sub_options *opts, sf_bus_handler cb, void *ctx,
                     struct sf_bus_sub **out);

/* Delivers up to max records to the callback, waiting up to timeout_ms (> 0) for the first.
 * Redeliveries (ack_wait expired, or nak) come before new messages. Returns the number of
 * callbacks made (0 on timeout, also while the connection is being re-established), the
 * callback's non-zero return, or SF_EINVAL / SF_ECLOSED / SF_ESERVER / SF_ENOMEM. Skipped
 * (other partition) and rejected messages are not counted. */
int sf_bus_fetch(struct sf_bus_sub *sub, size_t max, int64_t timeout_ms);

/* Acknowledges a message: it is not delivered again. Frees the handle (even on error).
 * Returns 0, or SF_EIO if the ack could not be sent (it will then be redelivered). */
int sf_bus_ack(struct sf_bus_msg *msg);

/* Negative acknowledgement: deliver the message again after delay_ms (0: at once). Frees the
 * handle. Returns 0 or SF_EIO. */
int sf_bus_nak(struct sf_bus_msg *msg, int64_t delay_ms);

/* The message's full subject (with the namespace prefix). Borrowed until it is settled. */
const char *sf_bus_msg_subject(const struct sf_bus_msg *msg);
/* How many times it has been delivered, 1 the first time. */
uint64_t sf_bus_msg_deliveries(const struct sf_bus_msg *msg);
/* Its sequence number in its stream (1-based). */
uint64_t sf_bus_msg_seq(const struct sf_bus_msg *msg);

struct sf_bus_sub_stats {
  uint64_t delivered;   /* callbacks made */
  uint64_t redelivered; /* of which deliveries > 1 */
  uint64_t acked, naked;
  uint64_t skipped;  /* outside the partition, acknowledged without a callback */
  uint64_t rejected; /* payload not a valid record, terminated */
  uint64_t dropped;  /* inproc: evicted while the durable was not bound */
};
void sf_bus_sub_stats(struct sf_bus_sub *sub, struct sf_bus_sub_stats *out);

/* Releases the subscription: unsettled handles are freed without acknowledgement (their
 * messages are redelivered after ack_wait), pending acks are flushed to the server, and the
 * durable consumer is kept for a later sf_bus_subscribe. NULL is a no-op. */
void sf_bus_sub_close(struct sf_bus_sub *sub);

#endif
