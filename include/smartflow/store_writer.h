/* The store writer: a thread that takes records from a bounded queue and writes them to a store
 * in batches, so that the engine never waits on disk. push copies the record into the queue;
 * when the queue is full it waits at most push_timeout_ms, then gives up with SF_EFULL (the record
 * is counted as dropped and logged, never lost silently). The thread writes a batch when
 * batch_max records are queued or batch_ms after the oldest queued record arrived, whichever
 * comes first, in push order.
 *
 * Acknowledgement = commit: on_commit runs on the writer thread after each committed batch with
 * the highest seq in it; with one producer pushing increasing seqs, every record up to that seq is
 * durable. A batch that fails is retried (max_retries times); if it still fails its records are
 * counted as lost and logged with the store's error.
 *
 * The writer uses its store exclusively from start to stop: do not call the store meanwhile (open
 * another handle to read). push may be called from any thread. */
#ifndef SMARTFLOW_STORE_WRITER_H
#define SMARTFLOW_STORE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "smartflow/record.h"
#include "smartflow/store.h"

struct sf_store_writer;

struct sf_store_writer_opts {
  size_t queue_capacity; /* records; default 8192 */
  size_t batch_max;      /* records per transaction; default 2000 */
  int batch_ms;          /* longest wait before a partial batch is written; default 50 */
  int push_timeout_ms;   /* longest wait of push on a full queue; default 100 */
  int max_retries;       /* extra attempts for a failed batch; default 3 */
  /* Called on the writer thread after each committed batch; may be NULL. */
  void (*on_commit)(void *ctx, int64_t max_seq, size_t count);
  void *ctx; /* borrowed, passed to on_commit */
};

struct sf_store_writer_stats {
  uint64_t pushed;    /* records accepted into the queue */
  uint64_t written;   /* records in committed batches (a duplicate is written once, ignored after) */
  uint64_t batches;   /* committed transactions */
  uint64_t errors;    /* failed write attempts */
  uint64_t lost;      /* records of batches that failed every retry */
  uint64_t dropped;   /* pushes refused: queue full past the timeout */
  uint64_t rejected;  /* pushes refused: the record lacks what its table needs */
  uint64_t blocked;   /* pushes that had to wait for room */
  size_t queue_depth; /* records queued now */
  size_t queue_high;  /* the most records ever queued */
};

/* Sets the defaults above. */
void sf_store_writer_opts_init(struct sf_store_writer_opts *o);

/* Starts the writer thread over store (borrowed until sf_store_writer_stop returns). opts may be
 * NULL for the defaults. Returns 0, SF_EINVAL or SF_ENOMEM. */
int sf_store_writer_start(struct sf_store *store, const struct sf_store_writer_opts *opts,
                          struct sf_store_writer **out);

/* Queues a copy of r (borrowed until the call returns). Returns 0; SF_EFULL when the queue stayed
 * full for push_timeout_ms; SF_EFIELD when the record cannot be stored (sf_store_record_check);
 * SF_ECLOSED once stop has begun; SF_ENOMEM. */
int sf_store_writer_push(struct sf_store_writer *w, const struct sf_record *r);

/* Waits until every record pushed before the call has been written (or counted lost). Returns 0,
 * or SF_EIO when some of them were lost. */
int sf_store_writer_flush(struct sf_store_writer *w);

void sf_store_writer_stats(struct sf_store_writer *w, struct sf_store_writer_stats *out);

/* Writes everything queued, joins the thread and frees the writer. final (may be NULL) receives
 * the last stats. Returns 0, or SF_EIO when any record was lost over the writer's life. */
int sf_store_writer_stop(struct sf_store_writer *w, struct sf_store_writer_stats *final);

#endif
