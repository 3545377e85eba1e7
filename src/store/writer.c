/* The store writer thread (store_writer.h). A ring of record slots allocated once at start;
 * push copies the record outside the lock (a derived record's lists are allocated then) and moves
 * it into the ring under the lock, so the lock is held for a struct copy only. The thread moves
 * up to batch_max records out of the ring into its own batch array, releases the lock, writes them
 * in one store transaction, then acknowledges. Condition variables run on CLOCK_MONOTONIC so a
 * wall-clock step cannot stretch a wait. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smartflow/err.h"
#include "smartflow/log.h"
#include "smartflow/store_writer.h"

struct sf_store_writer {
  struct sf_store *store;
  struct sf_store_writer_opts o;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t not_empty; /* the thread waits for records, a full batch, flush or stop */
  pthread_cond_t not_full;  /* push waits for room */
  pthread_cond_t done;      /* flush waits for processed to catch up */
  struct sf_record *ring;   /* owned: queue_capacity slots */
  size_t head, count;
  struct sf_record *batch;       /* owned: batch_max slots, touched by the thread only */
  const struct sf_record **ptrs; /* owned: batch_max pointers into batch */
  struct timespec oldest;        /* arrival of the oldest queued record */
  uint64_t processed;            /* records taken and written or lost */
  uint64_t flush_target;         /* flush waits for processed >= this */
  int stopping;
  struct sf_store_writer_stats st;
};

void sf_store_writer_opts_init(struct sf_store_writer_opts *o) {
  memset(o, 0, sizeof *o);
  o->queue_capacity = 8192;
  o->batch_max = 2000;
  o->batch_ms = 50;
  o->push_timeout_ms = 100;
  o->max_retries = 3;
}

static void add_ms(struct timespec *t, int64_t ms) {
  t->tv_sec += (time_t)(ms / 1000);
  t->tv_nsec += (long)((ms % 1000) * 1000000);
  if (t->tv_nsec >= 1000000000L) {
    t->tv_sec++;
    t->tv_nsec -= 1000000000L;
  }
}

static int before(const struct timespec *a, const struct timespec *b) {
  return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Writes the batch, retrying; returns 0 when committed. */
static int write_batch(struct sf_store_writer *w, size_t k) {
  int rc = 0;
  for (int attempt = 0; attempt <= w->o.max_retries; attempt++) {
    rc = sf_store_write(w->store, w->ptrs, k);
    if (rc == 0) return 0;
    pthread_mutex_lock(&w->mu);
    w->st.errors++;
    pthread_mutex_unlock(&w->mu);
    sf_log_warn("store", "writer: batch of %zu records failed (attempt %d of %d): %s", k, attempt + 1,
                w->o.max_retries + 1, sf_store_errmsg(w->store));
    if (rc == SF_EFIELD || rc == SF_EINVAL || rc == SF_ENOTSUP) break; /* retrying cannot help */
    struct timespec pause = {0, 20L * 1000000L * (attempt + 1)};
    nanosleep(&pause, NULL);
  }
  return rc;
}

static void *run(void *arg) {
  struct sf_store_writer *w = arg;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (w->count == 0 && !w->stopping) pthread_cond_wait(&w->not_empty, &w->mu);
    if (w->count == 0 && w->stopping) break;
    struct timespec deadline = w->oldest;
    add_ms(&deadline, w->o.batch_ms);
    for (;;) {
      if (w->stopping || w->count >= w->o.batch_max || w->flush_target > w->processed) break;
      struct timespec now;
      clock_gettime(CLOCK_MONOTONIC, &now);
      if (!before(&now, &deadline)) break;
      pthread_cond_timedwait(&w->not_empty, &w->mu, &deadline);
    }
    size_t k = w->count < w->o.batch_max ? w->count : w->o.batch_max;
    int64_t max_seq = -1;
    for (size_t i = 0; i < k; i++) {
      w->batch[i] = w->ring[w->head];
      w->ptrs[i] = &w->batch[i];
      int64_t seq = sf_record_meta(&w->batch[i])->seq;
      if (seq > max_seq) max_seq = seq;
      w->head = (w->head + 1) % w->o.queue_capacity;
    }
    w->count -= k;
    w->st.queue_depth = w->count;
    if (w->count) clock_gettime(CLOCK_MONOTONIC, &w->oldest); /* the rest waited at most this long */
    pthread_cond_broadcast(&w->not_full);
    pthread_mutex_unlock(&w->mu);

    int rc = write_batch(w, k);
    if (rc == 0 && w->o.on_commit) w->o.on_commit(w->o.ctx, max_seq, k);
    if (rc) {
      sf_log_error("store", "writer: lost %zu records (seq up to %lld): %s", k, (long long)max_seq,
                   sf_store_errmsg(w->store));
    }
    for (size_t i = 0; i < k; i++) sf_record_fini(&w->batch[i]);

    pthread_mutex_lock(&w->mu);
    if (rc == 0) {
      w->st.written += k;
      w->st.batches++;
    } else {
      w->st.lost += k;
    }
    w->processed += k;
    pthread_cond_broadcast(&w->done);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

int sf_store_writer_start(struct sf_store *store, const struct sf_store_writer_opts *opts,
                          struct sf_store_writer **out) {
  struct sf_store_writer_opts o;
  int rc = SF_ENOMEM, mu = 0, c1 = 0, c2 = 0, c3 = 0;
  *out = NULL;
  if (opts)
    o = *opts;
  else
    sf_store_writer_opts_init(&o);
  if (!store || o.queue_capacity == 0 || o.batch_max == 0 || o.batch_ms < 0 || o.push_timeout_ms < 0 ||
      o.max_retries < 0) {
    sf_log_error("store", "writer: invalid options (need a store, queue_capacity > 0, batch_max > 0)");
    return SF_EINVAL;
  }
  struct sf_store_writer *w = calloc(1, sizeof *w);
  if (!w) return SF_ENOMEM;
  w->store = store;
  w->o = o;
  w->ring = calloc(o.queue_capacity, sizeof *w->ring);
  w->batch = calloc(o.batch_max, sizeof *w->batch);
  w->ptrs = calloc(o.batch_max, sizeof *w->ptrs);
  if (!w->ring || !w->batch || !w->ptrs) goto fail;
  pthread_condattr_t ca;
  if (pthread_condattr_init(&ca)) goto fail;
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  mu = pthread_mutex_init(&w->mu, NULL) == 0;
  c1 = pthread_cond_init(&w->not_empty, &ca) == 0;
  c2 = pthread_cond_init(&w->not_full, &ca) == 0;
  c3 = pthread_cond_init(&w->done, &ca) == 0;
  pthread_condattr_destroy(&ca);
  if (!mu || !c1 || !c2 || !c3) goto fail;
  if (pthread_create(&w->thread, NULL, run, w) != 0) goto fail;
  *out = w;
  return 0;
fail:
  if (mu) pthread_mutex_destroy(&w->mu);
  if (c1) pthread_cond_destroy(&w->not_empty);
  if (c2) pthread_cond_destroy(&w->not_full);
  if (c3) pthread_cond_destroy(&w->done);
  free(w->ring);
  free(w->batch);
  free(w->ptrs);
  free(w);
  return rc;
}

int sf_store_writer_push(struct sf_store_writer *w, const struct sf_record *r) {
  const char *why = NULL;
  if (sf_store_record_check(r, &why)) {
    pthread_mutex_lock(&w->mu);
    w->st.rejected++;
    pthread_mutex_unlock(&w->mu);
    sf_log_warn("store", "writer: rejected %s trace_id=%s: %s", sf_record_type_name(r->type),
                sf_record_meta(r)->trace_id, why);
    return SF_EFIELD;
  }
  struct sf_record copy;
  if (sf_record_copy(&copy, r)) return SF_ENOMEM;
  int rc = 0;
  pthread_mutex_lock(&w->mu);
  if (w->stopping) {
    rc = SF_ECLOSED;
    goto out;
  }
  if (w->count == w->o.queue_capacity) {
    w->st.blocked++;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    add_ms(&deadline, w->o.push_timeout_ms);
    while (w->count == w->o.queue_capacity && !w->stopping) {
      if (pthread_cond_timedwait(&w->not_full, &w->mu, &deadline) == ETIMEDOUT) break;
    }
    if (w->stopping) {
      rc = SF_ECLOSED;
      goto out;
    }
    if (w->count == w->o.queue_capacity) {
      w->st.dropped++;
      rc = SF_EFULL;
      sf_log_warn("store", "writer: queue full for %d ms, dropped %s trace_id=%s", w->o.push_timeout_ms,
                  sf_record_type_name(r->type), sf_record_meta(r)->trace_id);
      goto out;
    }
  }
  if (w->count == 0) clock_gettime(CLOCK_MONOTONIC, &w->oldest);
  w->ring[(w->head + w->count) % w->o.queue_capacity] = copy;
  w->count++;
  w->st.pushed++;
  w->st.queue_depth = w->count;
  if (w->count > w->st.queue_high) w->st.queue_high = w->count;
  if (w->count == 1 || w->count == w->o.batch_max) pthread_cond_signal(&w->not_empty);
out:
  pthread_mutex_unlock(&w->mu);
  if (rc) sf_record_fini(&copy);
  return rc;
}

int sf_store_writer_flush(struct sf_store_writer *w) {
  pthread_mutex_lock(&w->mu);
  uint64_t lost_before = w->st.lost;
  uint64_t target = w->processed + w->count;
  if (target > w->flush_target) w->flush_target = target;
  pthread_cond_signal(&w->not_empty);
  while (w->processed < target) pthread_cond_wait(&w->done, &w->mu);
  int rc = w->st.lost > lost_before ? SF_EIO : 0;
  pthread_mutex_unlock(&w->mu);
  return rc;
}

void sf_store_writer_stats(struct sf_store_writer *w, struct sf_store_writer_stats *out) {
  pthread_mutex_lock(&w->mu);
  *out = w->st;
  out->queue_depth = w->count;
  pthread_mutex_unlock(&w->mu);
}

int sf_store_writer_stop(struct sf_store_writer *w, struct sf_store_writer_stats *final) {
  if (!w) return 0;
  pthread_mutex_lock(&w->mu);
  w->stopping = 1;
  pthread_cond_broadcast(&w->not_empty);
  pthread_cond_broadcast(&w->not_full);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->thread, NULL);
  if (final) {
    *final = w->st;
    final->queue_depth = w->count;
  }
  int rc = w->st.lost ? SF_EIO : 0;
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->not_empty);
  pthread_cond_destroy(&w->not_full);
  pthread_cond_destroy(&w->done);
  free(w->ring);
  free(w->batch);
  free(w->ptrs);
  free(w);
  return rc;
}
