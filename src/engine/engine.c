/* The engine's wiring (engine.h): validation and rejects, the event-time clock, timers, and the
 * hand-off between stages.
 *
 * Time. The watermark is the latest timestamp pushed (or advanced to). Before a record is
 * applied, every timer whose deadline is strictly before the watermark fires, in (deadline,
 * kind, seq) order, cluster closes before structure timers at one deadline. All decisions
 * depend on deadlines (never on the watermark value at which a timer happens to fire), so an
 * extra sf_engine_advance(t) between records (t not beyond the next record's time) and any
 * chunking of the input give the same output bytes. Records older than the watermark by more
 * than reorder_ns are rejected (SF_EORDER); younger late records are applied where they fall.
 *
 * Structures. A closed cluster waits structure_window_ns (its "group" timer) for partners:
 * other clusters of its underlying whose start lies within structure_window_ns of its own.
 * When its timer fires while such a partner is still open, the timer is re-armed at that
 * partner's deadline; otherwise structure.c picks the anchor's structure among the closed
 * partners, the legs taken leave the pending list, and the group is finalised. Partners not
 * taken wait for their own timers. The groups finalised by one run are emitted in (close time,
 * event id) order.
 *
 * Fast paths. An option quote or print whose contract key is already mapped, not older than the
 * watermark and with plain values cannot be rejected except as a duplicate, and only moves the
 * clock forward, so it skips the ordered checks (nbbo_slow, print_slow keep them, with their
 * reject messages, for everything else); a quote with no timer due is a leaf function.
 * test_enrich.c checks that keyed input (fast) and unkeyed input (checked) give the same bytes. */
#include <math.h>
#include <stdarg.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"
#include "smartflow/condition.h"
#include "smartflow/err.h"
#include "smartflow/hash.h"

void sf_engine_config_default(struct sf_engine_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->stale_ns = 1000 * SF_NS_PER_MS;
  cfg->und_stale_ns = 5000 * SF_NS_PER_MS;
  cfg->rate = 0.045;
  cfg->cluster_window_ns = 500 * SF_NS_PER_MS;
  cfg->cluster_gap_ns = 250 * SF_NS_PER_MS;
  cfg->sweep_ns = 50 * SF_NS_PER_MS;
  cfg->structure_window_ns = 250 * SF_NS_PER_MS;
  cfg->move_lookback_ns = 90 * SF_NS_PER_S;
  cfg->reorder_ns = 1000 * SF_NS_PER_MS;
  cfg->iv_cache_ns = 1000 * SF_NS_PER_MS;
  cfg->baseline_alpha = 0.1;
  cfg->baseline_min = 5;
}

int sf_engine_new(const struct sf_engine_config *cfg, const struct sf_engine_sinks *sinks,
                  struct sf_engine **out) {
  *out = NULL;
  if (!cfg || cfg->stale_ns < 0 || cfg->und_stale_ns < 0 || cfg->cluster_window_ns < 0 ||
      cfg->cluster_gap_ns < 0 || cfg->sweep_ns < 0 || cfg->structure_window_ns < 0 ||
      cfg->move_lookback_ns <= 0 || cfg->reorder_ns < 0 || cfg->iv_cache_ns < 0 ||
      !(cfg->baseline_alpha > 0 && cfg->baseline_alpha <= 1) || isnan(cfg->rate))
    return SF_EINVAL;
  struct sf_engine *e = calloc(1, sizeof *e);
  if (!e) return SF_ENOMEM;
  e->cfg = *cfg;
  if (sinks) e->sinks = *sinks;
  if (cfg->rules)
    e->rules = *cfg->rules;
  else
    sf_rules_config_default(&e->rules);
  sf_rules_prepare(&e->rules, &e->rules_prep);
  e->burst_gap_ns = (int64_t)(e->rules.burst_gap_s * 1e9);
  e->burst_win_ns = (int64_t)(e->rules.burst_window_s * 1e9);
  sf_book_init(&e->book);
  sf_pool_init(&e->pool);
  sf_heap_init(&e->heap);
  if (sf_dedup_init(&e->dedup)) {
    free(e);
    return SF_ENOMEM;
  }
  e->watermark_ns = SF_TS_NULL;
  e->fast_min_ns = INT64_MAX;
  sf_smart_money_event_init(&e->ev);
  sf_alert_init(&e->alert);
  sf_features_init_null(&e->null_features);
  *out = e;
  return 0;
}

void sf_engine_free(struct sf_engine *e) {
  if (!e) return;
  sf_book_fini(&e->book);
  sf_pool_fini(&e->pool);
  sf_dedup_fini(&e->dedup);
  sf_heap_fini(&e->heap);
  free(e->ready);
  free(e->ids);
  free(e->ids_len);
  free(e->ids_leg);
  free(e->idref);
  sf_smart_money_event_fini(&e->ev);
  for (int i = 0; i < SF_PROFILE_COUNT; i++) {
    sf_classifier_hit_fini(&e->hits[i]);
    sf_classifier_hit_fini(&e->alert_hits[i]);
    sf_profile_score_fini(&e->alert_scores[i]);
  }
  sf_strvec_fini(&e->alert.evidence_refs);
  free(e);
}

const char *sf_engine_errmsg(const struct sf_engine *e) { return e->errmsg; }

void sf_engine_get_stats(const struct sf_engine *e, struct sf_engine_stats *out) {
  *out = e->stats;
  out->contracts_active = e->book.n_ctr;
  out->underlyings_active = e->book.n_und;
}

/* Counts a reject (by code; *_contract when is_contract) and keeps its message. */
__attribute__((format(printf, 4, 5))) static int reject_x(struct sf_engine *e, int code, bool is_contract,
                                                          const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->errmsg, sizeof e->errmsg, fmt, ap);
  va_end(ap);
  e->stats.rejected++;
  if (is_contract)
    e->stats.rejected_contract++;
  else if (code == SF_EORDER)
    e->stats.rejected_order++;
  else if (code == SF_EDUP)
    e->stats.rejected_dup++;
  else if (code == SF_EFIELD)
    e->stats.rejected_value++;
  return code;
}
#define reject(e, code, ...) reject_x((e), (code), false, __VA_ARGS__)

static inline int arm(struct sf_engine *e, uint32_t ci, uint8_t kind, int64_t deadline) {
  struct sf_timer t = {deadline, kind, ci, (uint64_t)kind << SF_TIMER_KIND_SHIFT | ++e->timer_seq};
  e->pool.c[ci].timer_seq = t.seq;
  return sf_heap_push(&e->heap, &t);
}

/* Doubly linked lists of clusters per underlying (open, pending), kept in start order. */
static void list_remove(struct sf_engine *e, struct sf_clist *l, uint32_t ci) {
  struct sf_cluster *c = &e->pool.c[ci];
  if (c->prev != SF_NIL)
    e->pool.c[c->prev].next = c->next;
  else
    l->head = c->next;
  if (c->next != SF_NIL)
    e->pool.c[c->next].prev = c->prev;
  else
    l->tail = c->prev;
  c->next = c->prev = SF_NIL;
}

/* Inserts after every cluster that starts at or before ci: found from the tail, since nearly
 * every insert is the latest start. */
static void list_insert_sorted(struct sf_engine *e, struct sf_clist *l, uint32_t ci) {
  struct sf_cluster *c = &e->pool.c[ci];
  uint32_t prev = l->tail, next = SF_NIL;
  while (prev != SF_NIL && e->pool.c[prev].start_ns > c->start_ns) {
    next = prev;
    prev = e->pool.c[prev].prev;
  }
  c->prev = prev;
  c->next = next;
  if (prev != SF_NIL)
    e->pool.c[prev].next = ci;
  else
    l->head = ci;
  if (next != SF_NIL)
    e->pool.c[next].prev = ci;
  else
    l->tail = ci;
}

static bool burst_candidate(const struct sf_engine *e, const struct sf_cluster *c) {
  if (!(e->rules.burst_gap_s > 0) || (double)c->size > e->rules.burst_lot_max * (double)c->n) return false;
  /* An intermarket sweep is a professional's order, special and complex prints are not flow. */
  if (c->conds & (SF_COND_MASK_SPECIAL | SF_COND_MASK_COMPLEX | SF_COND_ISO | SF_COND_SWEEP)) return false;
  const struct sf_book_ctr *k = &e->book.ctr[c->contract];
  double prem = 0;
  for (uint32_t pi = c->head; pi != SF_NIL; pi = e->pool.p[pi].next)
    prem += e->pool.p[pi].price * (double)e->pool.p[pi].size * k->mult;
  return prem <= e->rules.burst_premium_max;
}

static int close_cluster(struct sf_engine *e, uint32_t ci, int64_t deadline) {
  struct sf_cluster *c = &e->pool.c[ci];
  struct sf_book_und *u = &e->book.und[c->und];
  e->book.ctr[c->contract].open_cluster = SF_NIL;
  list_remove(e, &u->open, ci);
  c->state = SF_CS_PENDING;
  sf_cluster_seal(c, &e->rules);
  c->burst_ok = burst_candidate(e, c); /* its prints are final: asked of it at every group decision */
  list_insert_sorted(e, &u->pending, ci);
  return arm(e, ci, SF_TIMER_GROUP, deadline + e->cfg.structure_window_ns);
}

/* The next ready group, built in place (the caller fills clusters, structure, symmetry,
 * close_ns and und, then commits it with e->n_ready++); NULL when out of memory. */
static struct sf_group *ready_slot(struct sf_engine *e) {
  if (e->n_ready == e->cap_ready) {
    size_t ncap = e->cap_ready ? e->cap_ready * 2 : 16;
    struct sf_group *nr = realloc(e->ready, ncap * sizeof *nr);
    if (!nr) return NULL;
    e->ready = nr;
    e->cap_ready = ncap;
  }
  struct sf_group *g = &e->ready[e->n_ready];
  g->n = 0;
  g->symmetry = 0;
  g->has_id = false;
  g->event_id[0] = '\0';
  g->has_ids = false;
  return g;
}

/* Small-lot bursts. A closed single-leg cluster of small fills (average at most burst_lot_max)
 * and small premium, without ISO / sweep, special or complex-order prints, joins the open burst of its
 * contract when it starts at most burst_gap_s after the burst's last print and at most burst_window_s after
 * its first; otherwise it opens a new burst. A burst is emitted as one single-leg event when event time
 * passes min(last + gap, start + window) + slack, where the slack (cluster window + twice the
 * structure window) lets a cluster that started in time reach its group decision first. A
 * burst of one cluster gives the same event as the cluster alone. */
static int64_t burst_deadline(const struct sf_engine *e, const struct sf_cluster *b) {
  int64_t a = b->last_ns + e->burst_gap_ns, z = b->start_ns + e->burst_win_ns;
  return (a < z ? a : z) + e->cfg.cluster_window_ns + 2 * e->cfg.structure_window_ns;
}

static int burst_add(struct sf_engine *e, uint32_t ci) {
  struct sf_cluster *c = &e->pool.c[ci];
  struct sf_book_ctr *k = &e->book.ctr[c->contract];
  if (k->burst != SF_NIL) {
    struct sf_cluster *b = &e->pool.c[k->burst];
    if (b->state == SF_CS_BURST && c->start_ns <= b->last_ns + e->burst_gap_ns &&
        c->start_ns <= b->start_ns + e->burst_win_ns) {
      sf_cluster_merge(b, c, &e->pool);
      sf_pool_cluster_free(&e->pool, ci);
      return 0; /* the burst's timer re-arms itself when it fires early */
    }
  }
  c->state = SF_CS_BURST;
  k->burst = ci;
  return arm(e, ci, SF_TIMER_BURST, burst_deadline(e, c));
}

/* A burst's timer: re-armed while its deadline moved on, else the burst becomes an event. */
static int burst_timer(struct sf_engine *e, uint32_t ci, int64_t deadline) {
  struct sf_cluster *c = &e->pool.c[ci];
  int64_t due = burst_deadline(e, c);
  if (due > deadline) return arm(e, ci, SF_TIMER_BURST, due);
  struct sf_book_ctr *k = &e->book.ctr[c->contract];
  if (k->burst == ci) k->burst = SF_NIL;
  c->state = SF_CS_DONE;
  struct sf_group *g = ready_slot(e);
  if (!g) return SF_ENOMEM;
  g->structure = SF_STRUCT_NONE;
  g->close_ns = deadline;
  g->und = c->und;
  g->clusters[g->n++] = ci;
  e->n_ready++;
  return 0;
}

/* A closed small-lot cluster (burst_ok) that continues the open burst of its contract (in time for it to
 * join) is the next fill of that burst. */
static bool burst_continues(const struct sf_engine *e, const struct sf_cluster *c) {
  const struct sf_book_ctr *k = &e->book.ctr[c->contract];
  if (k->burst == SF_NIL) return false;
  const struct sf_cluster *b = &e->pool.c[k->burst];
  return b->state == SF_CS_BURST && c->start_ns <= b->last_ns + e->burst_gap_ns &&
         c->start_ns <= b->start_ns + e->burst_win_ns && c->burst_ok;
}

/* Legs without complex-order conditions need structure_min_leg contracts: two odd lots printed
 * in the same quarter second are a coincidence, not a spread. A fill that continues a small-lot
 * burst on its contract belongs to the burst, not to a spread with whatever printed beside it. */
static bool leg_can_pair(const struct sf_engine *e, const struct sf_cluster *c) {
  if (c->conds & SF_COND_MASK_COMPLEX) return true;
  return (double)c->size >= e->rules.structure_min_leg && !burst_continues(e, c);
}

/* The latest deadline of the open partners of a pending cluster (INT64_MIN when none): its
 * group timer waits for them. */
static int64_t partner_wait(const struct sf_engine *e, const struct sf_cluster *c) {
  const struct sf_book_und *u = &e->book.und[c->und];
  int64_t w = e->cfg.structure_window_ns, wait = INT64_MIN;
  int64_t lo = c->start_ns - w, hi = c->start_ns + w; /* |start - c's start| <= w */
  for (uint32_t q = u->open.head; q != SF_NIL; q = e->pool.c[q].next) {
    const struct sf_cluster *o = &e->pool.c[q];
    if (o->start_ns > hi) break;
    if (o->start_ns >= lo && o->deadline_ns > wait) wait = o->deadline_ns;
  }
  return wait;
}

/* A group timer with no open partner left to wait for: the anchor's group decision. (Kept out
 * of line: most group timers only wait, see run_timers.) */
__attribute__((noinline)) static int group_timer(struct sf_engine *e, uint32_t ci, int64_t deadline) {
  struct sf_cluster *c = &e->pool.c[ci];
  struct sf_book_und *u = &e->book.und[c->und];
  int64_t w = e->cfg.structure_window_ns;
  struct sf_leg legs[SF_GROUP_MAX];
  size_t n = 0;
  uint32_t cand[SF_GROUP_MAX];
  cand[n++] = ci; /* the anchor goes first */
  if (leg_can_pair(e, c)) {
    int64_t lo = c->start_ns - w, hi = c->start_ns + w;
    for (uint32_t q = u->pending.head; q != SF_NIL && n < SF_GROUP_MAX; q = e->pool.c[q].next) {
      const struct sf_cluster *o = &e->pool.c[q];
      if (o->start_ns > hi) break;
      if (q != ci && o->start_ns >= lo && leg_can_pair(e, o)) cand[n++] = q;
    }
  }
  /* A lone anchor (most small-lot fills, which then join a burst) is a single leg at once. */
  int st = SF_STRUCT_NONE;
  double sym = SF_NULL;
  bool in[SF_GROUP_MAX];
  if (n > 1) {
    for (size_t i = 0; i < n; i++) {
      const struct sf_cluster *o = &e->pool.c[cand[i]];
      const struct sf_book_ctr *k = &e->book.ctr[o->contract];
      legs[i].cluster = cand[i];
      legs[i].is_call = k->is_call;
      legs[i].strike_milli = k->c.strike_milli;
      legs[i].expiry_ns = k->expiry_ns;
      legs[i].size = o->size;
      legs[i].sign = o->signed_size > 0 ? 1 : (o->signed_size < 0 ? -1 : 0);
      legs[i].complex = (o->conds & SF_COND_MASK_COMPLEX) != 0;
      legs[i].contract = o->contract;
    }
    st = sf_structure_match(legs, n, e->rules.structure_symmetry_min, in, &sym);
  }
  if (st == SF_STRUCT_NONE && c->burst_ok) {
    list_remove(e, &u->pending, ci);
    return burst_add(e, ci);
  }
  struct sf_group *g = ready_slot(e);
  if (!g) return SF_ENOMEM;
  g->structure = st;
  g->symmetry = sym;
  g->close_ns = deadline;
  g->und = c->und;
  if (st == SF_STRUCT_NONE) {
    g->clusters[g->n++] = ci;
  } else {
    for (size_t i = 0; i < n; i++)
      if (in[i]) g->clusters[g->n++] = cand[i];
  }
  for (uint32_t i = 0; i < g->n; i++) {
    list_remove(e, &u->pending, g->clusters[i]);
    e->pool.c[g->clusters[i]].state = SF_CS_DONE;
  }
  e->n_ready++;
  return 0;
}

static int close_cmp(const void *pa, const void *pb) {
  const struct sf_group *a = pa, *b = pb;
  return a->close_ns < b->close_ns ? -1 : a->close_ns > b->close_ns;
}

static int ready_cmp(const void *pa, const void *pb) {
  const struct sf_group *a = pa, *b = pb;
  if (a->close_ns != b->close_ns) return a->close_ns < b->close_ns ? -1 : 1;
  return strcmp(a->event_id, b->event_id);
}

/* Sorts a few groups in place by insertion (stable, as glibc's qsort is, so that even equal
 * keys keep their order); many with qsort. */
static void sort_groups(struct sf_group *v, size_t n, int (*cmp)(const void *, const void *)) {
  if (n > 8) {
    qsort(v, n, sizeof *v, cmp);
    return;
  }
  for (size_t i = 1; i < n; i++) {
    if (cmp(&v[i - 1], &v[i]) <= 0) continue;
    struct sf_group x = v[i];
    size_t j = i;
    for (; j > 0 && cmp(&v[j - 1], &x) > 0; j--) v[j] = v[j - 1];
    v[j] = x;
  }
}

/* Fires every timer with a deadline before now, then emits the groups they finalised. */
static int run_timers(struct sf_engine *e, int64_t now) {
  int rc = 0;
  struct sf_timer t;
  while (sf_heap_pop_before(&e->heap, now, &t)) {
    struct sf_cluster *c = &e->pool.c[t.idx];
    if (c->timer_seq != t.seq) continue; /* superseded */
    if (t.kind == SF_TIMER_CLUSTER) {
      if (c->state != SF_CS_OPEN) continue;
      if (c->deadline_ns > t.deadline_ns) {
        rc = arm(e, t.idx, SF_TIMER_CLUSTER, c->deadline_ns);
      } else {
        rc = close_cluster(e, t.idx, t.deadline_ns);
      }
    } else if (t.kind == SF_TIMER_GROUP) {
      if (c->state != SF_CS_PENDING) continue;
      int64_t wait = partner_wait(e, c); /* a partner still open: wait for it */
      if (wait > t.deadline_ns)
        rc = arm(e, t.idx, SF_TIMER_GROUP, wait);
      else
        rc = group_timer(e, t.idx, t.deadline_ns);
    } else {
      if (c->state != SF_CS_BURST) continue;
      rc = burst_timer(e, t.idx, t.deadline_ns);
    }
    if (rc) break;
  }
  if (e->n_ready > 1) {
    /* Several groups finalised together are emitted in (close time, event id) order. Event
     * ids decide only between groups of one close time, so only those compute them here. */
    sort_groups(e->ready, e->n_ready, close_cmp); /* timers fire in deadline order: usually sorted */
    for (size_t a = 0, b; a < e->n_ready; a = b) {
      for (b = a + 1; b < e->n_ready && e->ready[b].close_ns == e->ready[a].close_ns;) b++;
      if (b - a < 2) continue;
      for (size_t i = a; i < b; i++) {
        int r2 = sf_event_id(e, &e->ready[i]);
        if (r2 && !rc) rc = r2;
      }
      sort_groups(e->ready + a, b - a, ready_cmp);
    }
  }
  for (size_t i = 0; i < e->n_ready; i++) {
    int r2 = sf_event_emit(e, &e->ready[i]);
    if (r2 && !rc) rc = r2;
  }
  e->n_ready = 0;
  e->ids_used = 0;
  return rc;
}

/* Moves event time to ts (never backwards) and fires what is due. */
static void tick(struct sf_engine *e, int64_t ts) {
  if (ts != SF_TS_NULL && (e->watermark_ns == SF_TS_NULL || ts > e->watermark_ns))
    e->watermark_ns = e->fast_min_ns = ts;
  if (e->heap.next_ns < e->watermark_ns) run_timers(e, e->watermark_ns);
}

/* Records older than the watermark by more than reorder_ns are rejected (never before the
 * first record). */
static int check_time(struct sf_engine *e, int64_t ts, const char *what) {
  if (ts == SF_TS_NULL) return reject(e, SF_EFIELD, "%s.ts: missing", what);
  if (e->watermark_ns != SF_TS_NULL && ts < e->watermark_ns - e->cfg.reorder_ns)
    return reject(e, SF_EORDER, "%s.ts: %lld ns is %lld ms behind the watermark (limit %lld ms)", what,
                  (long long)ts, (long long)((e->watermark_ns - ts) / SF_NS_PER_MS),
                  (long long)(e->cfg.reorder_ns / SF_NS_PER_MS));
  return 0;
}

/* The checks of an option print in order, with their rejects, then the duplicate check and
 * the clock; *ci is its contract. */
static __attribute__((noinline)) int print_slow(struct sf_engine *e, const struct sf_option_print *p,
                                                uint64_t trace_h, uint32_t *ci) {
  if (!(p->price >= 0) || isinf(p->price))
    return reject(e, SF_EFIELD, "option-print.price: must be a number >= 0");
  if (p->size <= 0) return reject(e, SF_EFIELD, "option-print.size: must be > 0");
  if (!p->meta.trace_id[0]) return reject(e, SF_EFIELD, "option-print.trace_id: must not be empty");
  int rc = check_time(e, p->ts_ns, "option-print");
  if (rc) return rc;
  const char *why = NULL;
  rc = sf_book_contract_key(&e->book, p->contract_key, p->option_contract_id, ci, &why);
  if (rc == SF_ENOMEM) return reject(e, rc, "out of memory");
  if (rc)
    return reject_x(e, SF_EFIELD, true, "option-print.option_contract_id: '%s': %s", p->option_contract_id,
                    why ? why : "invalid");
  if (sf_dedup_check(&e->dedup, trace_h))
    return reject(e, SF_EDUP, "option-print.trace_id: '%s' seen before", p->meta.trace_id);
  tick(e, p->ts_ns);
  return 0;
}

int sf_engine_push_option_print(struct sf_engine *e, const struct sf_option_print *p) {
  e->stats.option_prints_in++;
  e->errmsg[0] = '\0';
  uint64_t trace_h = sf_dedup_hash(p->meta.trace_id);
  sf_dedup_prefetch(&e->dedup, trace_h); /* its sets miss the caches: load while checking */
  uint32_t key = p->contract_key, ci;
  int64_t ts = p->ts_ns;
  int rc;
  /* The usual print (as for quotes): a known key, not older than the watermark, valid values;
   * then only the duplicate check can reject it, and the clock moves forward. */
  if (key < e->book.cap_key && e->book.key_ctr[key] && ts >= e->fast_min_ns && p->price >= 0 &&
      p->price != INFINITY && p->size > 0 && p->meta.trace_id[0]) {
    ci = e->book.key_ctr[key] - 1;
    if (sf_dedup_check(&e->dedup, trace_h))
      return reject(e, SF_EDUP, "option-print.trace_id: '%s' seen before", p->meta.trace_id);
    if (e->heap.next_ns < ts) {
      tick(e, ts);
    } else {
      e->watermark_ns = e->fast_min_ns = ts;
    }
  } else if ((rc = print_slow(e, p, trace_h, &ci)) != 0) {
    return rc;
  }

  uint32_t pi;
  if (sf_pool_print(&e->pool, &pi)) return reject(e, SF_ENOMEM, "out of memory");
  /* The enriched copy: the input fields; sf_enrich_print writes every enrichment field. */
  struct sf_option_print *x = &e->scratch_print;
  memcpy(x, p, offsetof(struct sf_option_print, enriched));
  sf_enrich_print(e, ci, x, &e->pool.p[pi]);
  e->stats.enriched_prints++;
  if (e->sinks.on_option_print) e->sinks.on_option_print(e->sinks.ctx, x);

  struct sf_book_ctr *k = &e->book.ctr[ci];
  uint32_t cl = k->open_cluster;
  if (cl != SF_NIL) {
    const struct sf_cluster *c = &e->pool.c[cl];
    if (p->ts_ns - c->start_ns > e->cfg.cluster_window_ns || p->ts_ns - c->last_ns > e->cfg.cluster_gap_ns) {
      /* Out of the window (a late timer has not fired yet): close it now at its deadline. */
      rc = close_cluster(e, cl, c->deadline_ns);
      if (rc) return reject(e, rc, "out of memory");
      cl = SF_NIL;
    }
  }
  /* One call of sf_cluster_add for both cases, which lets the compiler inline it. */
  bool opened = cl == SF_NIL;
  if (opened) {
    if (sf_pool_cluster(&e->pool, &cl)) return reject(e, SF_ENOMEM, "out of memory");
    struct sf_cluster *c = &e->pool.c[cl];
    k = &e->book.ctr[ci];
    c->contract = ci;
    c->und = k->und;
    c->state = SF_CS_OPEN;
    c->move_bps = sf_book_und_move_bps(&e->book.und[k->und], p->ts_ns, x->und_spot, e->cfg.move_lookback_ns);
    k->open_cluster = cl;
  }
  struct sf_cluster *c = &e->pool.c[cl];
  sf_cluster_add(c, &e->pool, pi, &e->cfg);
  if (opened) {
    list_insert_sorted(e, &e->book.und[c->und].open, cl);
    if (arm(e, cl, SF_TIMER_CLUSTER, c->deadline_ns)) return reject(e, SF_ENOMEM, "out of memory");
  }
  return 0;
}

/* Infinite or below 0 (NaN, a missing value, passes): isinf(x) || (!isnan(x) && x < 0). */
static inline bool bad_px(double x) { return x < 0 || x == INFINITY; }

/* Everything of sf_engine_push_option_nbbo after its counter: the checks in order with their
 * rejects, and any contract lookup. */
static __attribute__((noinline)) int nbbo_slow(struct sf_engine *e, const struct sf_option_nbbo *q) {
  e->errmsg[0] = '\0';
  if (bad_px(q->bid) || bad_px(q->ask))
    return reject(e, SF_EFIELD, "option-nbbo.bid/ask: must be numbers >= 0 or null");
  if (bad_px(q->bid_size) || bad_px(q->ask_size))
    return reject(e, SF_EFIELD, "option-nbbo.bidSize/askSize: must be numbers >= 0 or null");
  int rc = check_time(e, q->ts_ns, "option-nbbo");
  if (rc) return rc;
  uint32_t ci;
  const char *why = NULL;
  rc = sf_book_contract_key(&e->book, q->contract_key, q->option_contract_id, &ci, &why);
  if (rc == SF_ENOMEM) return reject(e, rc, "out of memory");
  if (rc)
    return reject_x(e, SF_EFIELD, true, "option-nbbo.option_contract_id: '%s': %s", q->option_contract_id,
                    why ? why : "invalid");
  tick(e, q->ts_ns);
  struct sf_qslot s = {q->ts_ns, q->bid, q->ask, q->bid_size, q->ask_size, SF_Q_OK};
  if (q->ask > 0 && q->bid > q->ask) { /* both numbers, then */
    s.state = SF_Q_CROSSED;
    e->stats.crossed_quotes++;
  }
  sf_qring_push(&e->book.ctr[ci].quotes, &s);
  return 0;
}

/* A quote older than the newest kept goes in its place in the ring. */
static __attribute__((noinline)) int nbbo_late(struct sf_qring *r, const struct sf_option_nbbo *q,
                                               uint8_t state) {
  struct sf_qslot s = {q->ts_ns, q->bid, q->ask, q->bid_size, q->ask_size, state};
  sf_qring_insert(r, &s);
  return 0;
}

/* A quote whose prices and sizes (adjacent in the record) are all finite and >= +0: then no
 * bad_px. Tested on the high 32 bits of the four doubles at once (gathered into one register by
 * a shuffle): as signed integers they lie in [0, 0x7FEFFFFF] exactly when the sign bit is clear
 * and the exponent is not all ones, that is for a non-negative finite number other than -0.
 * NaN (a missing value) and -0 pass bad_px too, but they take the slow path. */
static inline bool quote_plain(const struct sf_option_nbbo *q) {
#if defined(__SSE2__)
  __m128 px = _mm_loadu_ps((const float *)(const void *)&q->bid);      /* bid, ask */
  __m128 sz = _mm_loadu_ps((const float *)(const void *)&q->bid_size); /* bid_size, ask_size */
  __m128i hi = _mm_castps_si128(_mm_shuffle_ps(px, sz, _MM_SHUFFLE(3, 1, 3, 1)));
  __m128i big = _mm_cmpgt_epi32(hi, _mm_set1_epi32(0x7FEFFFFF)); /* exponent all ones */
  return _mm_movemask_ps(_mm_castsi128_ps(_mm_or_si128(hi, big))) == 0;
#else
  /* the same set: no sign bit (so not -0), and below +inf (so not NaN) */
  return !signbit(q->bid) && q->bid < INFINITY && !signbit(q->ask) && q->ask < INFINITY &&
         !signbit(q->bid_size) && q->bid_size < INFINITY && !signbit(q->ask_size) && q->ask_size < INFINITY;
#endif
}

/* Stores a quote of a known contract whose values are plain (quote_plain) with the clock at its
 * time: after the newest, or in its place. The record is read into locals first: the byte
 * stores (errmsg, the ring's index) could alias it and would make the compiler read it again. */
static inline int nbbo_store(struct sf_engine *e, uint32_t ci, const struct sf_option_nbbo *q) {
  const int64_t ts = q->ts_ns;
  const double bid = q->bid, ask = q->ask, bid_size = q->bid_size, ask_size = q->ask_size;
  /* ask > 0 && bid > ask, on the bits: non-negative finite doubles order as their bits do */
  int64_t bid_bits, ask_bits;
  memcpy(&bid_bits, &bid, sizeof bid_bits);
  memcpy(&ask_bits, &ask, sizeof ask_bits);
  uint8_t crossed = (ask_bits != 0) & (bid_bits > ask_bits); /* SF_Q_CROSSED or SF_Q_OK */
  struct sf_qring *r = &e->book.ctr[ci].quotes;
  e->stats.crossed_quotes += crossed;
  e->errmsg[0] = '\0';
  if (sf_qring_slot(r, r->last)->ts_ns > ts) return nbbo_late(r, q, crossed);
  unsigned last = sf_qring_next(r->last);
  struct sf_qslot *s = sf_qring_slot(r, last);
  s->ts_ns = ts;
  s->bid = bid;
  s->ask = ask;
  s->bid_size = bid_size;
  s->ask_size = ask_size;
  s->state = crossed;
  r->last = (uint8_t)last;
  return 0;
}

/* The usual quote with timers due before it. */
static __attribute__((noinline)) int nbbo_due(struct sf_engine *e, uint32_t ci,
                                              const struct sf_option_nbbo *q) {
  tick(e, q->ts_ns);
  return nbbo_store(e, ci, q);
}

/* The usual quote (three per print): its contract key already mapped, not older than the
 * watermark, its prices and sizes plain numbers. Then no check can reject it and the clock only moves
 * forward, so it skips the reject paths (and, with no timer due, is a leaf); anything else takes nbbo_slow,
 * which checks in order. */
int sf_engine_push_option_nbbo(struct sf_engine *e, const struct sf_option_nbbo *q) {
  e->stats.option_nbbo_in++; /* errmsg is cleared by the paths below */
  const struct sf_book *b = &e->book;
  uint32_t key = q->contract_key;
  int64_t ts = q->ts_ns;
  /* ts >= fast_min_ns: a ts not older than the watermark, so check_time passes. */
  if (key >= b->cap_key || !b->key_ctr[key] || ts < e->fast_min_ns || !quote_plain(q)) return nbbo_slow(e, q);
  uint32_t ci = b->key_ctr[key] - 1;
  if (e->heap.next_ns < ts) return nbbo_due(e, ci, q);
  /* tick(e, ts) for ts >= the watermark and no timer due */
  e->watermark_ns = e->fast_min_ns = ts;
  return nbbo_store(e, ci, q);
}

int sf_engine_push_equity_quote(struct sf_engine *e, const struct sf_equity_quote *q) {
  e->stats.equity_quotes_in++;
  e->errmsg[0] = '\0';
  if (bad_px(q->bid) || bad_px(q->ask))
    return reject(e, SF_EFIELD, "equity-quote.bid/ask: must be numbers >= 0 or null");
  int rc = check_time(e, q->ts_ns, "equity-quote");
  if (rc) return rc;
  uint32_t ui;
  rc = sf_book_underlying(&e->book, q->underlying_id, &ui);
  if (rc == SF_ENOMEM) return reject(e, rc, "out of memory");
  if (rc)
    return reject(e, SF_EFIELD, "equity-quote.underlying_id: must be 1..%d characters", SF_SYMBOL_MAX - 1);
  tick(e, q->ts_ns);
  struct sf_book_und *u = &e->book.und[ui];
  struct sf_qslot s = {q->ts_ns, q->bid, q->ask, q->bid_size, q->ask_size, SF_Q_OK};
  if (!isnan(q->bid) && !isnan(q->ask) && q->bid > q->ask) s.state = SF_Q_CROSSED;
  sf_qring_push(&u->quotes, &s);
  if (s.state == SF_Q_OK && q->bid > 0 && q->ask > 0)
    sf_book_und_sample(u, q->ts_ns, (q->bid + q->ask) / 2, e->cfg.move_lookback_ns);
  return 0;
}

int sf_engine_push_equity_print(struct sf_engine *e, const struct sf_equity_print *p) {
  e->stats.equity_prints_in++;
  e->errmsg[0] = '\0';
  if (!(p->price >= 0) || isinf(p->price))
    return reject(e, SF_EFIELD, "equity-print.price: must be a number >= 0");
  if (p->size <= 0) return reject(e, SF_EFIELD, "equity-print.size: must be > 0");
  int rc = check_time(e, p->ts_ns, "equity-print");
  if (rc) return rc;
  /* Equity prints only move event time: spot comes from the quotes. */
  tick(e, p->ts_ns);
  return 0;
}

int sf_engine_push(struct sf_engine *e, const struct sf_record *r) {
  switch (r->type) {
    case SF_REC_OPTION_PRINT:
      return sf_engine_push_option_print(e, &r->u.option_print);
    case SF_REC_OPTION_NBBO:
      return sf_engine_push_option_nbbo(e, &r->u.option_nbbo);
    case SF_REC_EQUITY_QUOTE:
      return sf_engine_push_equity_quote(e, &r->u.equity_quote);
    case SF_REC_EQUITY_PRINT:
      return sf_engine_push_equity_print(e, &r->u.equity_print);
    default: {
      const char *n = sf_record_type_name(r->type);
      return reject(e, SF_ETYPE, "record type '%s' is not market data", n ? n : "?");
    }
  }
}

void sf_engine_advance(struct sf_engine *e, int64_t ts_ns) { tick(e, ts_ns); }

void sf_engine_flush(struct sf_engine *e) { run_timers(e, INT64_MAX); }
