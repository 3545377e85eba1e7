/* Private state of the engine, shared by its stages (book, enrich, cluster, structure, features,
 * event, rules, derive, engine). Everything is addressed by 32-bit indices into growable arrays
 * (never pointers, which a realloc would invalidate); state grows with the number of active
 * contracts and open orders, never with history. Nothing here allocates per print once the
 * arrays have grown to the working-set size. */
#ifndef SMARTFLOW_ENGINE_INTERNAL_H
#define SMARTFLOW_ENGINE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartflow/engine.h"
#include "smartflow/greeks.h"
#include "smartflow/record.h"
#include "smartflow/rules.h"
#include "smartflow/strtab.h"

#define SF_NIL UINT32_MAX /* "no index" */
#define SF_QRING 4        /* quotes kept per instrument (for slightly late prints); a power of 2 */
#define SF_MOVE_RING 64   /* underlying mid samples kept for the move look-back */
#define SF_CLUSTER_VENUES 16

/* ---- book.c: instruments ---------------------------------------------------------------- */

/* SF_Q_NONE marks a slot that never held a quote (its ts_ns is SF_TS_NULL, older than any). */
enum { SF_Q_OK = 0, SF_Q_CROSSED = 1, SF_Q_NONE = 2 };

struct sf_qslot {
  int64_t ts_ns;
  double bid, ask, bid_size, ask_size;
  uint8_t state; /* SF_Q_* */
};

/* The last SF_QRING quotes in time order: a ring that is always full, the newest at byte
 * offset last of q, the oldest after it. Slots not filled yet are SF_Q_NONE with ts_ns
 * SF_TS_NULL, so they are the oldest and a push needs no count: the usual push (a quote not
 * older than the newest) is one comparison and one slot write. last is kept in bytes (a
 * multiple of the slot size) rather than as an index: the per-quote and per-print paths then
 * address the newest slot without scaling an index by the 48-byte slot size. */
struct sf_qring {
  struct sf_qslot q[SF_QRING];
  uint8_t last;
};
#define SF_QSLOT_SIZE ((unsigned)sizeof(struct sf_qslot))
#define SF_QRING_LAST_MAX ((SF_QRING - 1) * SF_QSLOT_SIZE) /* offset of the last slot of q */
_Static_assert(SF_QRING_LAST_MAX <= UINT8_MAX, "the newest slot's offset fits last");
/* The slot at byte offset off of q, and the offset after off (wrapping). */
static inline struct sf_qslot *sf_qring_slot(struct sf_qring *r, unsigned off) {
  return (struct sf_qslot *)(void *)((char *)r->q + off);
}
static inline const struct sf_qslot *sf_qring_cslot(const struct sf_qring *r, unsigned off) {
  return (const struct sf_qslot *)(const void *)((const char *)r->q + off);
}
static inline unsigned sf_qring_next(unsigned off) {
  /* By a table, not a branch: which push wraps is unpredictable with contracts interleaved. */
  _Static_assert(SF_QRING == 4 && SF_QSLOT_SIZE == 48, "the table below is for 4 slots of 48 bytes");
  static const uint8_t next[SF_QRING_LAST_MAX / 16 + 1] = {[0] = 48, [3] = 96, [6] = 144, [9] = 0};
  return next[off >> 4];
}

/* A doubly linked list of clusters (through sf_cluster next / prev). */
struct sf_clist {
  uint32_t head, tail; /* SF_NIL when empty */
};

struct sf_book_und {
  char id[SF_SYMBOL_MAX];
  bool is_etf;
  struct sf_qring quotes;
  int64_t h_ts[SF_MOVE_RING]; /* mid samples for the move look-back, a ring */
  double h_mid[SF_MOVE_RING];
  uint32_t h_head, h_n;
  struct sf_clist pending; /* closed clusters waiting for structure partners, by start */
  struct sf_clist open;    /* open clusters of this underlying, by start */
};

struct sf_book_ctr {
  char id[SF_CONTRACT_ID_MAX]; /* canonical id */
  struct sf_contract c;
  uint32_t und;
  bool is_call;
  double strike, mult;
  int64_t expiry_ns;
  struct sf_qring quotes;
  /* tick test: the last trade price and the sign of the last price change */
  double last_px;
  int8_t last_tick;
  bool has_last;
  /* implied-vol cache: reused while price, spot and quote mid are unchanged and T moved less
   * than iv_cache_ns */
  bool c_valid, c_ok;
  double c_px, c_spot, c_mid, c_iv, c_delta, c_gamma, c_vega;
  struct sf_bs_logm logm; /* log(spot / strike) as the spot moves */
  int64_t c_ts;
  uint8_t c_src;   /* 1 trade, 2 mid */
  double iv_guess; /* the last volatility solved, where the next solve starts (0: none) */
  /* baselines (EWMA) for iv shock and spread widening */
  double ew_iv, ew_rsp;
  uint32_t n_iv, n_rsp;
  /* open interest of oi_date (YYYYMMDD, 0 none asked yet): oi >= 0, or -1 unknown */
  int32_t oi_date;
  int64_t oi;
  uint32_t open_cluster; /* SF_NIL when none */
  uint32_t burst;        /* the contract's open small-lot burst (a cluster), SF_NIL when none */
};

struct sf_book {
  struct sf_book_ctr *ctr;
  size_t n_ctr, cap_ctr;
  struct sf_book_und *und;
  size_t n_und, cap_und;
  struct sf_strtab ctr_tab, und_tab;
  /* the spelling the last contract lookup found (its key in ctr_tab's arena), and its index
   * (SF_NIL: none) */
  uint32_t last_off;
  size_t last_len;
  uint32_t last_idx;
  /* record contract_key -> contract index + 1 (0: not seen yet); keys above SF_BOOK_KEY_MAX are
   * looked up by id */
  uint32_t *key_ctr;
  size_t cap_key;
};
#define SF_BOOK_KEY_MAX (1u << 24)

void sf_book_init(struct sf_book *b);
void sf_book_fini(struct sf_book *b);
/* Finds or creates the contract of an id (either form). Returns 0, SF_EFIELD (unparseable; *why
 * set) or SF_ENOMEM. */
int sf_book_contract(struct sf_book *b, const char *id, uint32_t *out, const char **why);
/* The same for a record that carries a contract key (contract.h; 0 = none): an array index
 * once the key has been seen, the id lookup the first time. Every record of one engine's input
 * with a given key must name the same contract (the keys come from one table). */
int sf_book_contract_slow(struct sf_book *b, uint32_t key, const char *id, uint32_t *out, const char **why);
static inline int sf_book_contract_key(struct sf_book *b, uint32_t key, const char *id, uint32_t *out,
                                       const char **why) {
  if (key < b->cap_key && b->key_ctr[key]) {
    *out = b->key_ctr[key] - 1;
    return 0;
  }
  return sf_book_contract_slow(b, key, id, out, why);
}
/* Finds or creates an underlying. Returns 0, SF_EFIELD (empty/too long) or SF_ENOMEM. */
int sf_book_underlying(struct sf_book *b, const char *sym, uint32_t *out);
/* Empties a ring (every slot SF_Q_NONE). */
void sf_qring_init(struct sf_qring *r);
/* Inserts a quote older than the newest kept in its place in time order (drops the oldest
 * beyond SF_QRING); sf_qring_push handles the others. */
void sf_qring_insert(struct sf_qring *r, const struct sf_qslot *q);
/* Adds a quote in time order: the usual one, not older than the newest kept, goes last (over
 * the oldest) inline; an older one through sf_qring_insert. */
static inline void sf_qring_push(struct sf_qring *r, const struct sf_qslot *q) {
  if (sf_qring_slot(r, r->last)->ts_ns <= q->ts_ns) {
    unsigned last = sf_qring_next(r->last);
    *sf_qring_slot(r, last) = *q;
    r->last = (uint8_t)last;
    return;
  }
  sf_qring_insert(r, q);
}
/* sf_qring_at past the newest quote. */
const struct sf_qslot *sf_qring_at_older(const struct sf_qring *r, int64_t ts_ns);
/* The latest quote at or before ts_ns, or NULL. Nearly always the newest. */
static inline const struct sf_qslot *sf_qring_at(const struct sf_qring *r, int64_t ts_ns) {
  const struct sf_qslot *s = sf_qring_cslot(r, r->last);
  if (s->ts_ns <= ts_ns) return s->state == SF_Q_NONE ? NULL : s;
  return sf_qring_at_older(r, ts_ns);
}
/* Records an underlying mid sample for the move look-back (at most one per lookback/32). */
void sf_book_und_sample(struct sf_book_und *u, int64_t ts_ns, double mid, int64_t lookback_ns);
/* Underlying move in bps from the oldest sample inside [ts - lookback, ts) to cur_mid; NaN when
 * no sample lies in the window or cur_mid is unknown. */
double sf_book_und_move_bps(const struct sf_book_und *u, int64_t ts_ns, double cur_mid, int64_t lookback_ns);
/* 1 for the fixed list of ETF underlyings. */
bool sf_book_is_etf(const char *sym);

/* ---- cluster.c: stored prints, clusters, timers ----------------------------------------- */

/* What an event needs of a print after enrichment. */
struct sf_pprint {
  int64_t ts_ns;
  double price;
  int64_t size;
  uint32_t conditions;
  uint64_t venue;
  uint8_t side;
  int8_t aggressor;
  double nbbo_age_ms, rel_spread, iv, delta, spot, iv_shock, spread_wide;
  char trace_id[SF_ID_MAX];
  int64_t seq;   /* the print's meta.seq: derived seqs are computed from it (engine.h) */
  uint32_t next; /* next print of the cluster, or the free list */
};

enum { SF_CK_SINGLE = 0, SF_CK_SWEEP, SF_CK_BURST, SF_CK_BLOCK };

struct sf_cluster {
  /* What the list walks and the timers read comes first; 256 bytes in all (an index times a
   * power of two). */
  int64_t start_ns, deadline_ns;
  uint32_t next, prev; /* in the underlying's open or pending list (next: also the free list) */
  uint32_t contract, und;
  uint8_t state; /* SF_CS_* */
  bool burst_ok; /* closed as a small-lot burst candidate (set when it closes) */
  bool sweep;
  uint32_t conds;     /* OR of the prints' conditions */
  uint64_t timer_seq; /* seq of the cluster's live timer; stale heap entries do not match */
  int64_t last_ns;
  int64_t size;
  uint32_t n;
  uint32_t head, tail; /* its prints (the tail is the one added last) */
  uint32_t n_venues;   /* distinct venues seen (the first SF_CLUSTER_VENUES in venues) */
  int64_t max_print;
  int64_t signed_size;
  uint32_t merged;
  double move_bps; /* underlying move when the cluster opened */
  /* Set when the cluster closes (sf_cluster_seal) and summed by sf_cluster_merge: the size of
   * its sub-clusters that were sweeps and blocks, and how many clusters were merged into it. */
  int64_t sweep_size, block_size;
  uint64_t venues[SF_CLUSTER_VENUES]; /* counts only below n_venues */
};
enum { SF_CS_FREE = 0, SF_CS_OPEN, SF_CS_PENDING, SF_CS_DONE, SF_CS_BURST };

enum { SF_TIMER_CLUSTER = 0, SF_TIMER_GROUP = 1, SF_TIMER_BURST = 2 };

/* Timers fire in (deadline, kind, arming order) order. seq carries the kind in its top bits
 * above the arming counter, so that order is (deadline_ns, seq): two comparisons. */
struct sf_timer {
  int64_t deadline_ns;
  uint8_t kind;
  uint32_t idx;
  uint64_t seq; /* kind << SF_TIMER_KIND_SHIFT | arming counter */
};
#define SF_TIMER_KIND_SHIFT 60

/* A wheel timer: the timer and the next of its bucket (or of the free list). */
struct sf_tnode {
  struct sf_timer t;
  uint32_t next;
};

/* The timer queue: a timer wheel for the near timers and a binary min-heap for the rest. Every
 * timer is armed at most a second or so ahead (a cluster's deadline is at most its window after
 * its start, a group's the structure window after a close or a partner's deadline): it goes to
 * the wheel, buckets of 2^SF_TWHEEL_SHIFT ns each holding a short list in (deadline, seq)
 * order (most timers go last), with a bitmap of the buckets in use. The wheel spans SF_TWHEEL
 * buckets from wcur, the bucket of the latest timer popped (no timer left is earlier); a timer
 * outside the span (a far burst deadline, a late record's deadline before the latest popped)
 * goes to the heap. The earlier of the two heads is the earliest timer: the order is the same
 * total (deadline, kind, seq) order as one heap's. */
#define SF_TWHEEL 2048     /* buckets, a multiple of 64 and a power of two */
#define SF_TWHEEL_SHIFT 20 /* a bucket spans 2^20 ns (about 1 ms): the wheel about 2.1 s */
/* Where the earliest timer is (next_at). */
enum { SF_TAT_NONE = -1, SF_TAT_HEAP = 0, SF_TAT_WHEEL = 1 };
struct sf_heap {
  struct sf_timer *v; /* the heap */
  size_t n, cap;
  struct sf_tnode *wnode; /* the wheel's timers, with a free list */
  size_t wnode_n, wnode_cap, wn;
  uint32_t wfree;
  uint32_t whead[SF_TWHEEL], wtail[SF_TWHEEL];
  uint64_t wbits[SF_TWHEEL / 64];
  int64_t wcur;      /* the wheel's first bucket (absolute: deadline >> SF_TWHEEL_SHIFT) */
  size_t wnext;      /* the wheel's earliest bucket (while the wheel holds timers) */
  int64_t wfirst;    /* the same, absolute (as wcur); INT64_MAX while the wheel is empty */
  int64_t next_ns;   /* deadline of the earliest timer, INT64_MAX when none */
  uint64_t next_seq; /* its seq */
  int next_at;       /* where it is: SF_TAT_HEAP, SF_TAT_WHEEL, or SF_TAT_NONE */
};

/* Queues a timer (the wheel when near, else the heap). Returns 0 or SF_ENOMEM. */
int sf_heap_push(struct sf_heap *h, const struct sf_timer *t);
/* Pops the earliest timer (deadline, kind, seq) into *t; 0 when empty. */
int sf_heap_pop(struct sf_heap *h, struct sf_timer *t);
const struct sf_timer *sf_heap_top(const struct sf_heap *h);
/* Pops the earliest timer into *t when its deadline is before now; 0 otherwise. */
int sf_heap_pop_before(struct sf_heap *h, int64_t now, struct sf_timer *t);
void sf_heap_init(struct sf_heap *h);
/* Timers queued (wheel and heap). */
size_t sf_heap_count(const struct sf_heap *h);
void sf_heap_fini(struct sf_heap *h);

struct sf_pool {
  struct sf_pprint *p;
  size_t n, cap;
  uint32_t free_head;
  struct sf_cluster *c;
  size_t cn, ccap;
  uint32_t cfree;
};

void sf_pool_init(struct sf_pool *pl);
void sf_pool_fini(struct sf_pool *pl);
int sf_pool_print(struct sf_pool *pl, uint32_t *out);
void sf_pool_print_free(struct sf_pool *pl, uint32_t i);
/* A new empty cluster (n 0, no prints): its first sf_cluster_add sets the rest. */
int sf_pool_cluster(struct sf_pool *pl, uint32_t *out);
/* Returns the cluster and its prints to the free lists. */
void sf_pool_cluster_free(struct sf_pool *pl, uint32_t ci);
/* Adds a stored print to a cluster and updates its sweep / venue / deadline state. */
void sf_cluster_add(struct sf_cluster *c, struct sf_pool *pl, uint32_t pi,
                    const struct sf_engine_config *cfg);
/* The cluster's kind (sweep, burst, block or single); a merged burst is a burst. */
int sf_cluster_kind(const struct sf_cluster *c, const struct sf_rules_config *rc);
/* Records the closed cluster's sweep / block size (from its kind). */
void sf_cluster_seal(struct sf_cluster *c, const struct sf_rules_config *rc);
/* Moves the prints of src (closed, sealed) to the end of dst's and sums their statistics; src
 * is left empty (free it with sf_pool_cluster_free). */
void sf_cluster_merge(struct sf_cluster *dst, struct sf_cluster *src, struct sf_pool *pl);

/* ---- structure.c ------------------------------------------------------------------------ */

enum sf_structure {
  SF_STRUCT_NONE = 0,
  SF_STRUCT_VERTICAL,
  SF_STRUCT_STRADDLE,
  SF_STRUCT_STRANGLE,
  SF_STRUCT_CALENDAR,
  SF_STRUCT_ROLL,
  SF_STRUCT_RISK_REVERSAL,
  SF_STRUCT_BUTTERFLY,
  SF_STRUCT_CONDOR,
  SF_STRUCT_LADDER,
  SF_STRUCT_COMPLEX,
  SF_STRUCT__COUNT
};
const char *sf_structure_name(int s);

/* What structure detection knows of one leg (one closed cluster). */
struct sf_leg {
  uint32_t cluster;
  bool is_call;
  int64_t strike_milli, expiry_ns;
  int64_t size;
  int sign;     /* net aggressor sign of the leg: +1, -1, 0 */
  bool complex; /* any COMPLEX / SPREAD / STOCK_TIE print */
  uint32_t contract;
};

/* Classifies a set of legs (2..4, any order) as one structure. Returns the structure (NONE when
 * the legs do not form one) and the leg size symmetry in *symmetry. */
int sf_structure_classify(const struct sf_leg *legs, size_t n, double symmetry_min, double *symmetry);

/* Decides the structure of an anchor leg (legs[0]) with some of its partners (legs[1..n), at
 * most SF_GROUP_MAX - 1): the largest subset containing the anchor that classifies, first in
 * index order. Sets in_struct[i] for the legs taken (in_struct[0] true when a structure was
 * found) and returns the structure, or NONE when the anchor stays a single leg. */
int sf_structure_match(const struct sf_leg *legs, size_t n, double symmetry_min, bool *in_struct,
                       double *symmetry);

/* ---- features.c ------------------------------------------------------------------------- */

struct sf_engine;
/* A parent event under construction: its clusters (legs). */
#define SF_GROUP_MAX 8
/* A member trace id being sorted: its sort key (event.c id_key) and its leg. */
struct sf_idref {
  uint64_t key;
  const char *s;
  uint32_t leg, len;
};

struct sf_group {
  uint32_t clusters[SF_GROUP_MAX];
  uint32_t n;
  int structure;
  double symmetry;
  int64_t close_ns; /* the timer deadline that finalised it */
  uint32_t und;
  bool has_id; /* event_id computed (needed early only to order several ready groups) */
  char event_id[SF_ID_MAX];
  /* With has_ids, its sorted member ids made with the event id, kept in e->ids until the groups
   * of this run of the timers are emitted (as group_ids in event.c lays them out). */
  bool has_ids;
  size_t ids_all;
  long ids_n;
  int64_t ids_max_seq;                 /* the largest member meta.seq (0 when all are negative) */
  uint64_t ids_leg_hash[SF_GROUP_MAX]; /* the hash of each leg's sorted ids (packet ids) */
};
/* Computes every SmartMoneyFeatures field of a group. Extra outputs for the rules: */
struct sf_evidence {
  double spot, rel_spread_mean, sweep_share, block_share, aggressive_share, stock_tie_share;
  double buy, sell, total; /* signed sizes */
  double otm;              /* size-weighted OTM distance (fraction of spot), NaN unknown */
  double abs_delta;        /* size-weighted |delta| over prints with a delta, NaN unknown */
  double dte_min;
  double fill_rate; /* fills per minute over the event's window, NaN for one print */
  double iv_rise;   /* late IV over the contract's IV baseline before the first print, minus 1 */
  int structure;
};
void sf_features_compute(struct sf_engine *e, const struct sf_group *g, struct sf_features *f,
                         struct sf_evidence *ev);

/* ---- rules.c ---------------------------------------------------------------------------- */

struct sf_scored {
  double raw[SF_PROFILE_COUNT];
  double prob[SF_PROFILE_COUNT];
  uint8_t dir[SF_PROFILE_COUNT];
  double terms[SF_TERM_COUNT];
  uint32_t guards; /* bit per guard */
  bool abstained;
  uint32_t abstain;            /* bit 0 weak_evidence, bit 1 unusable_quotes */
  int order[SF_PROFILE_COUNT]; /* profiles by probability desc, ties by profile order */
  uint64_t active;             /* bit per term that can be a reason and is not below reason_min */
};
enum {
  SF_GUARD_STALE = 1u << 0,
  SF_GUARD_SPECIAL = 1u << 1,
  SF_GUARD_FRENZY = 1u << 2,
  SF_GUARD_HEDGE = 1u << 3,
  SF_GUARD_ARB = 1u << 4
};
/* What scoring derives from the configuration alone, made once per engine: the terms of
 * non-zero weight with their weights side by side, per profile the set of positive weight, the
 * constant logarithms, and the reason codes. */
#define SF_RULES_REASON_CODES 64 /* distinct reason strings (terms, variants, structures) */
#define SF_RULES_REASON_SLOT 48  /* bytes per reason string slot (a multiple of 16) */
struct sf_rules_prep {
  /* The terms of non-zero weight in some profile (bit per term) and each term's six weights
   * together, for the six logits (rules.c). */
  uint64_t any_mask;
  double term_w[SF_TERM_COUNT][SF_PROFILE_COUNT];
  uint64_t pos_mask[SF_PROFILE_COUNT]; /* bit per term of positive weight */
  uint64_t reason_terms;               /* the union of pos_mask: terms that can be reasons */
  double log_premium_large_lo, log_premium_large_hi, log_large_lot_lo, log_large_lot_hi;
  /* Reason codes: every distinct reason string once (equal strings share a code), in slots
   * padded with NULs for sf_strvec_push_slots. term_code[t][v]: v = 1 for the sell side of the
   * sided terms and for short_dated without otm; struct_code: multi_leg by structure. */
  uint32_t n_codes;
  char code_text[SF_RULES_REASON_CODES][SF_RULES_REASON_SLOT];
  uint32_t code_len[SF_RULES_REASON_CODES];
  uint8_t term_code[SF_TERM_COUNT][2];
  uint8_t code_v0[SF_TERM_COUNT]; /* term_code[t][0], the first structure's for multi_leg */
  uint8_t struct_code[SF_STRUCT__COUNT];
  bool codes_unique; /* no two terms share a code: a profile's codes need no deduplication */
  bool codes_short;  /* every code shorter than SF_STRVEC_SHORT: sf_strvec_push_picks fits */
};
void sf_rules_prepare(const struct sf_rules_config *rc, struct sf_rules_prep *pp);
/* sf_rules_score / sf_rules_reasons with the prepared form of rc. */
void sf_rules_score_prep(const struct sf_rules_config *rc, const struct sf_rules_prep *pp,
                         const struct sf_calibration *cal, const struct sf_features *f,
                         const struct sf_evidence *ev, struct sf_scored *out);
int sf_rules_reasons_prep(const struct sf_rules_config *rc, const struct sf_rules_prep *pp,
                          const struct sf_scored *s, const struct sf_evidence *ev, int profile,
                          struct sf_strvec *out);
/* The reasons of all six scores of an event at once (sf_rules_reasons_prep of each
 * scores[i].profile into scores[i].reasons, which must be empty), the per-event work done once. */
int sf_rules_reasons_event(const struct sf_rules_config *rc, const struct sf_rules_prep *pp,
                           const struct sf_scored *s, const struct sf_evidence *ev,
                           struct sf_profile_score scores[SF_PROFILE_COUNT]);
void sf_rules_terms(const struct sf_rules_config *rc, const struct sf_features *f,
                    const struct sf_evidence *ev, double terms[SF_TERM_COUNT]);
void sf_rules_score(const struct sf_rules_config *rc, const struct sf_calibration *cal,
                    const struct sf_features *f, const struct sf_evidence *ev, struct sf_scored *out);
/* Appends the reason codes of a profile (by contribution, at most SF_REASON_MAX). */
int sf_rules_reasons(const struct sf_rules_config *rc, const struct sf_scored *s,
                     const struct sf_evidence *ev, int profile, struct sf_strvec *out);
/* Appends the suppressed_reasons codes (guards, then abstention causes). */
int sf_rules_suppressed(const struct sf_scored *s, struct sf_strvec *out);
int sf_rules_band(const struct sf_rules_config *rc, double p);

/* ---- derive.c --------------------------------------------------------------------------- */

/* Builds the classifier hits of an event (primary, then strong runners-up); returns the count
 * or SF_ENOMEM. hits must hold SF_PROFILE_COUNT entries whose explanations are valid vectors
 * (reused: every field of a hit built is set). */
int sf_derive_hits(const struct sf_rules_config *rc, const struct sf_smart_money_event *ev, const char *hex,
                   struct sf_classifier_hit *hits);
/* The 16 hex of the derived ids of an event (hex of sf_hash_str of its id), made once for
 * sf_derive_hits and sf_derive_alert (their hex argument). */
void sf_derive_hex(const char *event_id, char out[17]);
/* Builds the alert of an event from its hits, in reused storage: out->hits points to hit_store
 * (n_hits entries, NULL when none) and out->profile_scores to score_store (SF_PROFILE_COUNT
 * entries); the vectors of both stores and of out->evidence_refs must be valid and keep their
 * storage. Returns 1 when an alert is due, 0 when not, or SF_ENOMEM. */
int sf_derive_alert(const struct sf_rules_config *rc, const struct sf_smart_money_event *ev, const char *hex,
                    const struct sf_classifier_hit *hits, size_t n_hits, struct sf_classifier_hit *hit_store,
                    struct sf_profile_score *score_store, struct sf_alert *out);

/* ---- dedup.c ---------------------------------------------------------------------------- */

/* Recent print trace ids, two generations of hash sets: a set fills to half, the older one is
 * dropped. Remembers at least SF_DEDUP_GEN ids. */
#define SF_DEDUP_GEN 65536
struct sf_dedup_pair {
  uint64_t h[2]; /* slot j of set 0 and of set 1 */
};
struct sf_dedup {
  struct sf_dedup_pair *slot; /* 2 x SF_DEDUP_GEN pairs, 64-byte aligned */
  unsigned cur;               /* which half is the current set */
  size_t n_cur;
};
int sf_dedup_init(struct sf_dedup *d);
/* The hash of a trace id (the string in id[0, SF_ID_MAX), bytes after its NUL ignored) that the
 * sets keep; never 0. Internal to the engine, never in any output. */
uint64_t sf_dedup_hash(const char *id);
void sf_dedup_fini(struct sf_dedup *d);
/* Starts loading the slots sf_dedup_check(d, h) will probe first (the sets are larger than the
 * caches): call it early, do other work, then check. */
void sf_dedup_prefetch(const struct sf_dedup *d, uint64_t h);
/* Drops the older set: the current one becomes the older, the dropped one (cleared) current. */
void sf_dedup_rotate(struct sf_dedup *d);
#define SF_DEDUP_CAP (2 * SF_DEDUP_GEN) /* slots per set */
/* Probes set s (0 or 1) for h: 1 when found, else 0 and *slot is the empty slot ending the run. */
static inline int sf_dedup_lookup(const struct sf_dedup *d, unsigned s, uint64_t h, size_t *slot) {
  size_t j = h & (SF_DEDUP_CAP - 1);
  while (d->slot[j].h[s]) {
    if (d->slot[j].h[s] == h) return 1;
    j = (j + 1) & (SF_DEDUP_CAP - 1);
  }
  *slot = j;
  return 0;
}
/* 1 when h (from sf_dedup_hash) was seen (recently), 0 otherwise (and h is remembered). */
static inline int sf_dedup_check(struct sf_dedup *d, uint64_t h) {
  unsigned cur = d->cur;
  size_t slot;
  if (sf_dedup_lookup(d, cur ^ 1u, h, &slot) || sf_dedup_lookup(d, cur, h, &slot)) return 1;
  if (d->n_cur == SF_DEDUP_GEN) {
    sf_dedup_rotate(d);
    cur = d->cur;
    sf_dedup_lookup(d, cur, h, &slot);
  }
  d->slot[slot].h[cur] = h;
  d->n_cur++;
  return 0;
}

/* ---- engine.c --------------------------------------------------------------------------- */

struct sf_engine {
  struct sf_engine_config cfg;
  struct sf_rules_config rules;
  struct sf_rules_prep rules_prep; /* sf_rules_prepare(&rules) */
  struct sf_engine_sinks sinks;
  struct sf_engine_stats stats;
  struct sf_book book;
  struct sf_pool pool;
  struct sf_heap heap;
  struct sf_dedup dedup;
  uint64_t timer_seq;
  int64_t burst_gap_ns, burst_win_ns; /* rules.burst_gap_s and burst_window_s in ns */
  int64_t watermark_ns;               /* latest event time seen (SF_TS_NULL before the first record) */
  /* The watermark once there is one, INT64_MAX before: a record at or after it passes the order
   * checks, and one comparison with it also excludes a missing ts (SF_TS_NULL, below any
   * watermark), where the watermark itself would need a second comparison. */
  int64_t fast_min_ns;
  struct sf_group *ready;
  size_t n_ready, cap_ready;
  /* Member trace ids of groups, sorted (event.c group_ids): the ids, their lengths and the leg
   * (index in the group) of each, kept for the groups of one run of the timers. */
  const char **ids;
  uint32_t *ids_len;
  uint8_t *ids_leg;
  size_t ids_cap;
  struct sf_idref *idref; /* scratch for sorting them */
  size_t idref_cap;
  size_t ids_used; /* e->ids below this hold the kept ids of ready groups (sf_event_id) */
  /* Output records, reused from event to event (their vectors keep their storage). */
  struct sf_smart_money_event ev;
  struct sf_classifier_hit hits[SF_PROFILE_COUNT];
  struct sf_alert alert;
  struct sf_classifier_hit alert_hits[SF_PROFILE_COUNT];
  struct sf_profile_score alert_scores[SF_PROFILE_COUNT];
  struct sf_option_print scratch_print;
  struct sf_features null_features; /* every feature null (sf_features_init_null) */
  char errmsg[256];
};

/* enrich.c: fills the enrichment of p (a copy of the input) against the book and stores what an
 * event needs in *pp. */
void sf_enrich_print(struct sf_engine *e, uint32_t ci, struct sf_option_print *p, struct sf_pprint *pp);

/* event.c: builds and emits the records of one finalised group, then frees its clusters. */
int sf_event_emit(struct sf_engine *e, struct sf_group *g);
/* Sets the event id of a group ("sme_" + 16 hex of the hash of its sorted member trace ids)
 * and has_id; puts its legs in emission order and keeps its sorted member ids for
 * sf_event_emit (has_ids) in e->ids past e->ids_used, which it advances. The caller resets
 * e->ids_used once the groups are emitted. */
int sf_event_id(struct sf_engine *e, struct sf_group *g);

#endif
