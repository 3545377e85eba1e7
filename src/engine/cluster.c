/* Clustering (PROFILES.md step 2): the prints of one contract that arrive as one order become
 * one cluster. A cluster stays open while ts - start <= cluster_window_ns and
 * ts - last <= cluster_gap_ns, so its deadline is min(start + window, last + gap); when event
 * time passes the deadline a timer closes it (a lone block does not wait for another trade).
 * A cluster is a sweep when a print carries ISO / SWEEP or two consecutive fills on different
 * venues are at most sweep_ns apart; a block when one or two prints of at least block_min_size
 * make it; a burst when it has many fills.
 *
 * Storage: prints and clusters live in pools (growable arrays with free lists, addressed by
 * index), so the steady state allocates nothing. Timers are ordered by (deadline, kind, seq)
 * in a timer wheel for the near ones and a binary min-heap for the rest (struct sf_heap); a
 * cluster has one timer, re-armed lazily when its deadline moved on (deadlines only grow), so
 * arming and firing are O(1) but for the rare far or early timer, O(log n). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"
#include "smartflow/condition.h"
#include "smartflow/err.h"

/* (deadline, kind, seq) order. (Not packed into one word: there are more than two kinds.) */
static bool key_less(int64_t ad, uint64_t as, int64_t bd, uint64_t bs) {
  return ad != bd ? ad < bd : as < bs;
}

static bool timer_less(const struct sf_timer *a, const struct sf_timer *b) {
  if (a->deadline_ns != b->deadline_ns) return a->deadline_ns < b->deadline_ns;
  return a->seq < b->seq; /* kind, then arming order (see struct sf_timer) */
}

static int heap_push(struct sf_heap *h, const struct sf_timer *t) {
  if (h->n == h->cap) {
    size_t ncap = h->cap ? h->cap * 2 : 256;
    struct sf_timer *nv = realloc(h->v, ncap * sizeof *nv);
    if (!nv) return SF_ENOMEM;
    h->v = nv;
    h->cap = ncap;
  }
  size_t i = h->n++;
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!timer_less(t, &h->v[parent])) break;
    h->v[i] = h->v[parent];
    i = parent;
  }
  h->v[i] = *t;
  return 0;
}

/* Floyd's pop: the hole left at the root goes down to a leaf along the smaller children (one
 * comparison per level instead of two), then the last element goes up from there, which is
 * usually at once: it came from the bottom. */
static void heap_pop(struct sf_heap *h, struct sf_timer *t) {
  *t = h->v[0];
  struct sf_timer last = h->v[--h->n];
  size_t n = h->n, i = 0;
  if (!n) return;
  for (;;) {
    size_t l = 2 * i + 1;
    if (l >= n) break;
    size_t m = (l + 1 < n && timer_less(&h->v[l + 1], &h->v[l])) ? l + 1 : l;
    h->v[i] = h->v[m];
    i = m;
  }
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!timer_less(&last, &h->v[parent])) break;
    h->v[i] = h->v[parent];
    i = parent;
  }
  h->v[i] = last;
}

void sf_heap_init(struct sf_heap *h) {
  memset(h, 0, sizeof *h);
  h->next_ns = INT64_MAX;
  h->next_at = SF_TAT_NONE;
  h->wfree = SF_NIL;
  h->wfirst = INT64_MAX;
  for (size_t b = 0; b < SF_TWHEEL; b++) h->whead[b] = h->wtail[b] = SF_NIL;
}

/* The wheel's earliest bucket: the first one that holds timers from wcur on (every wheel timer
 * lies in [wcur, wcur + SF_TWHEEL) buckets, so the circular order from wcur is their order).
 * The wheel is not empty. */
static size_t wheel_first(const struct sf_heap *h) {
  size_t b = (size_t)h->wcur & (SF_TWHEEL - 1), w = b / 64;
  uint64_t m = h->wbits[w] & (~(uint64_t)0 << (b % 64));
  for (size_t i = 0; !m; i++) {
    w = (w + 1) & (SF_TWHEEL / 64 - 1);
    m = h->wbits[w];
    if (i == SF_TWHEEL / 64) break; /* unreachable while the wheel holds a timer */
  }
  return w * 64 + (size_t)__builtin_ctzll(m);
}

const struct sf_timer *sf_heap_top(const struct sf_heap *h) {
  if (h->next_at == SF_TAT_WHEEL) return &h->wnode[h->whead[h->wnext]].t;
  return h->next_at == SF_TAT_HEAP ? &h->v[0] : NULL;
}

/* Puts t in the wheel when its bucket lies in the wheel's span: 0 when it went there, 1 when it
 * belongs to the heap, or SF_ENOMEM. A bucket's list is kept in (deadline, seq) order; a timer
 * usually goes last (its list is short: a bucket spans about a millisecond). */
static int wheel_put(struct sf_heap *h, const struct sf_timer *t) {
  int64_t bi = t->deadline_ns >> SF_TWHEEL_SHIFT;
  if ((uint64_t)(bi - h->wcur) >= SF_TWHEEL) return 1; /* before wcur, or beyond the span */
  uint32_t ni = h->wfree;
  if (ni != SF_NIL) {
    h->wfree = h->wnode[ni].next;
  } else {
    if (h->wnode_n == h->wnode_cap) {
      size_t ncap = h->wnode_cap ? h->wnode_cap * 2 : 256;
      struct sf_tnode *nv = realloc(h->wnode, ncap * sizeof *nv);
      if (!nv) return SF_ENOMEM;
      h->wnode = nv;
      h->wnode_cap = ncap;
    }
    ni = (uint32_t)h->wnode_n++;
  }
  struct sf_tnode *x = &h->wnode[ni];
  x->t = *t;
  size_t b = (size_t)bi & (SF_TWHEEL - 1);
  uint32_t tail = h->wtail[b];
  if (tail == SF_NIL) {
    x->next = SF_NIL;
    h->whead[b] = h->wtail[b] = ni;
    h->wbits[b / 64] |= (uint64_t)1 << (b % 64);
  } else if (!timer_less(t, &h->wnode[tail].t)) {
    x->next = SF_NIL;
    h->wnode[tail].next = ni;
    h->wtail[b] = ni;
  } else {
    uint32_t *link = &h->whead[b];
    while (!timer_less(t, &h->wnode[*link].t)) link = &h->wnode[*link].next;
    x->next = *link;
    *link = ni;
  }
  /* The wheel's earliest bucket is t's when that bucket comes first (a bucket's list is in
   * order, so its head is the earliest timer of the wheel). */
  h->wn++;
  if (bi < h->wfirst) { /* INT64_MAX while the wheel was empty */
    h->wfirst = bi;
    h->wnext = b;
  }
  return 0;
}

int sf_heap_push(struct sf_heap *h, const struct sf_timer *t) {
  int rc = wheel_put(h, t), at = SF_TAT_WHEEL;
  if (rc < 0) return rc;
  if (rc) {
    if ((rc = heap_push(h, t))) return rc;
    at = SF_TAT_HEAP;
  }
  /* t is the earliest when it comes before the previous earliest (then it heads its place). */
  if (h->next_at == SF_TAT_NONE || key_less(t->deadline_ns, t->seq, h->next_ns, h->next_seq)) {
    h->next_ns = t->deadline_ns;
    h->next_seq = t->seq;
    h->next_at = at;
  }
  return 0;
}

static void pop_at(struct sf_heap *h, int w, struct sf_timer *t) {
  const struct sf_timer *best = NULL;
  int at = SF_TAT_NONE;
  if (w == SF_TAT_WHEEL) {
    size_t b = h->wnext;
    uint32_t ni = h->whead[b];
    struct sf_tnode *x = &h->wnode[ni];
    *t = x->t;
    uint32_t nx = x->next;
    x->next = h->wfree;
    h->wfree = ni;
    /* Every timer left comes at or after this one: the wheel's span starts at its bucket. */
    h->wcur = h->wfirst;
    h->whead[b] = nx;
    h->wn--;
    if (nx != SF_NIL) { /* the bucket's next timer is the wheel's earliest */
      best = &h->wnode[nx].t;
      at = SF_TAT_WHEEL;
    } else {
      h->wtail[b] = SF_NIL;
      h->wbits[b / 64] &= ~((uint64_t)1 << (b % 64));
      if (h->wn) {
        h->wnext = wheel_first(h);
        h->wfirst = h->wcur + (int64_t)((h->wnext - (size_t)h->wcur) & (SF_TWHEEL - 1));
        best = &h->wnode[h->whead[h->wnext]].t;
        at = SF_TAT_WHEEL;
      } else {
        h->wfirst = INT64_MAX;
      }
    }
  } else {
    heap_pop(h, t);
    int64_t bi = t->deadline_ns >> SF_TWHEEL_SHIFT; /* as above */
    if (bi > h->wcur) h->wcur = bi;
    if (h->wn) {
      best = &h->wnode[h->whead[h->wnext]].t;
      at = SF_TAT_WHEEL;
    }
  }
  if (h->n && (!best || timer_less(&h->v[0], best))) {
    best = &h->v[0];
    at = SF_TAT_HEAP;
  }
  h->next_at = at;
  h->next_ns = best ? best->deadline_ns : INT64_MAX;
  h->next_seq = best ? best->seq : 0;
}

int sf_heap_pop(struct sf_heap *h, struct sf_timer *t) {
  if (h->next_at == SF_TAT_NONE) return 0;
  pop_at(h, h->next_at, t);
  return 1;
}

int sf_heap_pop_before(struct sf_heap *h, int64_t now, struct sf_timer *t) {
  if (!(h->next_ns < now)) return 0;
  pop_at(h, h->next_at, t);
  return 1;
}

size_t sf_heap_count(const struct sf_heap *h) { return h->n + h->wn; }

void sf_heap_fini(struct sf_heap *h) {
  free(h->v);
  free(h->wnode);
  sf_heap_init(h);
}

void sf_pool_init(struct sf_pool *pl) {
  memset(pl, 0, sizeof *pl);
  pl->free_head = SF_NIL;
  pl->cfree = SF_NIL;
}

void sf_pool_fini(struct sf_pool *pl) {
  free(pl->p);
  free(pl->c);
  sf_pool_init(pl);
}

int sf_pool_print(struct sf_pool *pl, uint32_t *out) {
  if (pl->free_head != SF_NIL) {
    *out = pl->free_head;
    pl->free_head = pl->p[*out].next;
    pl->p[*out].next = SF_NIL;
    return 0;
  }
  if (pl->n == pl->cap) {
    size_t ncap = pl->cap ? pl->cap * 2 : 1024;
    struct sf_pprint *np = realloc(pl->p, ncap * sizeof *np);
    if (!np) return SF_ENOMEM;
    pl->p = np;
    pl->cap = ncap;
  }
  *out = (uint32_t)pl->n++;
  pl->p[*out].next = SF_NIL;
  return 0;
}

void sf_pool_print_free(struct sf_pool *pl, uint32_t i) {
  pl->p[i].next = pl->free_head;
  pl->free_head = i;
}

int sf_pool_cluster(struct sf_pool *pl, uint32_t *out) {
  uint32_t i;
  if (pl->cfree != SF_NIL) {
    i = pl->cfree;
    pl->cfree = pl->c[i].next;
  } else {
    if (pl->cn == pl->ccap) {
      size_t ncap = pl->ccap ? pl->ccap * 2 : 256;
      struct sf_cluster *nc = realloc(pl->c, ncap * sizeof *nc);
      if (!nc) return SF_ENOMEM;
      pl->c = nc;
      pl->ccap = ncap;
    }
    i = (uint32_t)pl->cn++;
  }
  /* The fields sf_cluster_add does not set on a cluster's first print (it sets the others). */
  struct sf_cluster *c = &pl->c[i];
  c->head = c->tail = c->next = c->prev = SF_NIL;
  c->n = 0;
  c->state = SF_CS_FREE;
  c->burst_ok = false;
  c->timer_seq = 0;
  c->merged = 0;
  c->move_bps = 0;
  c->sweep_size = c->block_size = 0;
  *out = i;
  return 0;
}

void sf_pool_cluster_free(struct sf_pool *pl, uint32_t ci) {
  struct sf_cluster *c = &pl->c[ci];
  if (c->head != SF_NIL) {
    pl->p[c->tail].next = pl->free_head;
    pl->free_head = c->head;
  }
  c->head = c->tail = SF_NIL;
  c->n = 0;
  c->state = SF_CS_FREE;
  c->next = pl->cfree;
  pl->cfree = ci;
}

void sf_cluster_add(struct sf_cluster *c, struct sf_pool *pl, uint32_t pi,
                    const struct sf_engine_config *cfg) {
  struct sf_pprint *p = &pl->p[pi];
  int64_t ts = p->ts_ns;
  uint64_t venue = p->venue;
  p->next = SF_NIL;
  if (c->n == 0) {
    c->head = c->tail = pi;
    c->start_ns = c->last_ns = ts;
    c->venues[0] = venue;
    c->n_venues = 1;
    c->sweep = false;
    c->conds = 0;
    c->signed_size = c->size = c->max_print = 0;
  } else {
    struct sf_pprint *prev = &pl->p[c->tail];
    uint64_t last_venue = prev->venue; /* the venue of the print added before */
    prev->next = pi;
    c->tail = pi;
    /* The venue of the previous print is in the set while the set holds every venue seen. */
    if (last_venue != venue || c->n_venues > SF_CLUSTER_VENUES) {
      if (last_venue != venue && ts - c->last_ns <= cfg->sweep_ns) c->sweep = true;
      uint32_t nv = c->n_venues < SF_CLUSTER_VENUES ? c->n_venues : SF_CLUSTER_VENUES, i = 0;
      while (i < nv && c->venues[i] != venue) i++;
      if (i == nv) {
        if (c->n_venues < SF_CLUSTER_VENUES) c->venues[c->n_venues] = venue;
        c->n_venues++;
      }
    }
    if (ts > c->last_ns) c->last_ns = ts;
    if (ts < c->start_ns) c->start_ns = ts;
  }
  if (p->conditions & (SF_COND_ISO | SF_COND_SWEEP)) c->sweep = true;
  c->conds |= p->conditions;
  c->signed_size += p->aggressor * p->size;
  c->n++;
  c->size += p->size;
  if (p->size > c->max_print) c->max_print = p->size;
  int64_t a = c->start_ns + cfg->cluster_window_ns, z = c->last_ns + cfg->cluster_gap_ns;
  c->deadline_ns = a < z ? a : z;
}

int sf_cluster_kind(const struct sf_cluster *c, const struct sf_rules_config *rc) {
  if (c->merged) return SF_CK_BURST;
  if (c->sweep) return SF_CK_SWEEP;
  if (c->n <= 2 && (double)c->max_print >= rc->block_min_size) return SF_CK_BLOCK;
  if ((double)c->n >= rc->burst_prints_lo) return SF_CK_BURST;
  return SF_CK_SINGLE;
}

void sf_cluster_seal(struct sf_cluster *c, const struct sf_rules_config *rc) {
  int kind = sf_cluster_kind(c, rc);
  c->sweep_size = kind == SF_CK_SWEEP ? c->size : 0;
  c->block_size = kind == SF_CK_BLOCK ? c->size : 0;
}

void sf_cluster_merge(struct sf_cluster *dst, struct sf_cluster *src, struct sf_pool *pl) {
  if (src->n == 0) return;
  if (dst->n == 0) {
    dst->head = src->head;
  } else {
    pl->p[dst->tail].next = src->head;
  }
  dst->tail = src->tail;
  if (dst->n == 0 || src->start_ns < dst->start_ns) dst->start_ns = src->start_ns;
  if (dst->n == 0 || src->last_ns > dst->last_ns) dst->last_ns = src->last_ns;
  dst->n += src->n;
  dst->size += src->size;
  if (src->max_print > dst->max_print) dst->max_print = src->max_print;
  for (uint32_t i = 0; i < src->n_venues && i < SF_CLUSTER_VENUES; i++) {
    bool seen = false;
    for (uint32_t j = 0; j < dst->n_venues && j < SF_CLUSTER_VENUES; j++)
      if (dst->venues[j] == src->venues[i]) {
        seen = true;
        break;
      }
    if (!seen) {
      if (dst->n_venues < SF_CLUSTER_VENUES) dst->venues[dst->n_venues] = src->venues[i];
      dst->n_venues++;
    }
  }
  dst->conds |= src->conds;
  dst->signed_size += src->signed_size;
  dst->sweep_size += src->sweep_size;
  dst->block_size += src->block_size;
  dst->merged += 1 + src->merged;
  src->head = src->tail = SF_NIL;
  src->n = 0;
  src->size = 0;
}
