/* The engine's book: contracts and underlyings interned by id in string tables (strtab.h:
 * a word-at-a-time key hash, linear probing, load <= 1/2), each parsed once, each holding its latest
 * quotes (a small time-ordered ring so that a slightly late print still finds the quote in
 * force at its timestamp, never a later one), and per-contract trade and baseline state. An id
 * seen in another accepted form (OSI vs canonical) maps to the same contract: the table keeps
 * one entry per spelling. State grows with the instruments seen, not with history.
 *
 * The NBBO path looks a contract up several times per print, so a lookup is one length and
 * memcmp against the previous id (quotes and prints of one contract come in runs), else one
 * table probe: the key hash reads 8 bytes at a time and slots keep the key length, so a probe
 * compares bytes only on a full hash match. The table hash is internal (never in any output).
 * A record that carries a contract key (contract.h: interned once by the ingest that made it)
 * skips all of that after the key's first record: key_ctr maps keys to contracts by array
 * index. */
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"
#include "smartflow/err.h"
#include "smartflow/hash.h"

void sf_book_init(struct sf_book *b) {
  memset(b, 0, sizeof *b);
  b->last_idx = SF_NIL;
}

void sf_book_fini(struct sf_book *b) {
  free(b->ctr);
  free(b->und);
  free(b->key_ctr);
  sf_strtab_fini(&b->ctr_tab);
  sf_strtab_fini(&b->und_tab);
  memset(b, 0, sizeof *b);
}

/* ETF underlyings (is_etf). A fixed list: the broad index, sector, commodity, bond and
 * volatility funds whose options trade most. */
static const char *const etf_list[] = {
    "SPY", "QQQ", "IWM",  "DIA", "XLF",  "XLE",  "XLK",  "XLV",  "XLI", "XLY", "XLP",  "XLU",
    "XLB", "XLC", "XLRE", "XBI", "XOP",  "XRT",  "XHB",  "GLD",  "SLV", "GDX", "GDXJ", "TLT",
    "IEF", "HYG", "LQD",  "EEM", "EFA",  "FXI",  "EWZ",  "EWJ",  "KRE", "SMH", "SOXX", "ARKK",
    "USO", "UNG", "UVXY", "VXX", "SQQQ", "TQQQ", "SOXL", "SPXL", "TNA", "IYR", "VNQ",  "KWEB",
    "MDY", "RSP", "VOO",  "IVV", "VTI",  "BITO", "IBIT", NULL};

bool sf_book_is_etf(const char *sym) {
  for (const char *const *p = etf_list; *p; p++)
    if (strcmp(*p, sym) == 0) return true;
  return false;
}

/* OSI roots of weekly / PM-settled index series that belong to another underlying. */
static const char *und_of_root(const char *root) {
  static const char *const map[][2] = {{"SPXW", "SPX"}, {"NDXP", "NDX"}, {"RUTW", "RUT"},
                                       {"VIXW", "VIX"}, {"XSP", "XSP"},  {NULL, NULL}};
  for (size_t i = 0; map[i][0]; i++)
    if (strcmp(map[i][0], root) == 0) return map[i][1];
  return root;
}

int sf_book_underlying(struct sf_book *b, const char *sym, uint32_t *out) {
  size_t len = strlen(sym);
  if (len == 0 || len >= SF_SYMBOL_MAX) return SF_EFIELD;
  uint64_t h = sf_strtab_hash(sym, len);
  if (sf_strtab_find(&b->und_tab, sym, len, h, out)) return 0;
  if (b->n_und == b->cap_und) {
    size_t ncap = b->cap_und ? b->cap_und * 2 : 16;
    struct sf_book_und *nu = realloc(b->und, ncap * sizeof *nu);
    if (!nu) return SF_ENOMEM;
    b->und = nu;
    b->cap_und = ncap;
  }
  uint32_t i = (uint32_t)b->n_und;
  struct sf_book_und *u = &b->und[i];
  memset(u, 0, sizeof *u);
  memcpy(u->id, sym, len + 1);
  u->is_etf = sf_book_is_etf(sym);
  sf_qring_init(&u->quotes);
  u->pending.head = u->pending.tail = SF_NIL;
  u->open.head = u->open.tail = SF_NIL;
  int rc = sf_strtab_put(&b->und_tab, sym, len, h, i, NULL);
  if (rc) return rc;
  b->n_und++;
  *out = i;
  return 0;
}

/* An id not in the table (hash h): parse it, then map it to its contract (created when new). */
static __attribute__((noinline)) int contract_new(struct sf_book *b, const char *id, size_t len, uint64_t h,
                                                  uint32_t *out, const char **why) {
  struct sf_contract c;
  const char *reason = NULL;
  if (sf_contract_parse(id, len, &c, &reason) != 0) {
    if (why) *why = reason ? reason : "unparseable contract id";
    return SF_EFIELD;
  }
  char canon[SF_CONTRACT_ID_MAX];
  int cl = sf_contract_format(&c, canon, sizeof canon);
  if (cl < 0) {
    if (why) *why = "contract id too long";
    return SF_EFIELD;
  }
  uint64_t hc = sf_strtab_hash(canon, (size_t)cl);
  uint32_t idx;
  if (sf_strtab_find(&b->ctr_tab, canon, (size_t)cl, hc, &idx)) {
    /* Another spelling of a known contract. */
    int rc = sf_strtab_put(&b->ctr_tab, id, len, h, idx, NULL);
    if (rc) return rc;
    *out = idx;
    return 0;
  }
  uint32_t ui;
  int rc = sf_book_underlying(b, und_of_root(c.root), &ui);
  if (rc) return rc;
  if (b->n_ctr == b->cap_ctr) {
    size_t ncap = b->cap_ctr ? b->cap_ctr * 2 : 256;
    struct sf_book_ctr *nc = realloc(b->ctr, ncap * sizeof *nc);
    if (!nc) return SF_ENOMEM;
    b->ctr = nc;
    b->cap_ctr = ncap;
  }
  idx = (uint32_t)b->n_ctr;
  struct sf_book_ctr *k = &b->ctr[idx];
  memset(k, 0, sizeof *k);
  memcpy(k->id, canon, (size_t)cl + 1);
  k->c = c;
  k->und = ui;
  k->is_call = c.right == 'C';
  k->strike = sf_contract_strike(&c);
  k->mult = 100.0;
  k->expiry_ns = sf_contract_expiry_ns(&c);
  k->open_cluster = SF_NIL;
  k->burst = SF_NIL;
  k->ew_iv = SF_NULL;
  k->ew_rsp = SF_NULL;
  sf_qring_init(&k->quotes);
  rc = sf_strtab_put(&b->ctr_tab, canon, (size_t)cl, hc, idx, NULL);
  if (!rc && ((size_t)cl != len || memcmp(canon, id, len) != 0))
    rc = sf_strtab_put(&b->ctr_tab, id, len, h, idx, NULL);
  if (rc) return rc;
  b->n_ctr++;
  *out = idx;
  return 0;
}

int sf_book_contract(struct sf_book *b, const char *id, uint32_t *out, const char **why) {
  size_t len = strlen(id);
  /* The spelling last found, compared in place in the table's arena (offsets survive its
   * growth). */
  if (len == b->last_len && b->last_idx != SF_NIL &&
      sf_strtab_key_eq(id, b->ctr_tab.arena + b->last_off, len)) {
    *out = b->last_idx;
    return 0;
  }
  uint64_t h = sf_strtab_hash(id, len);
  const struct sf_strtab_slot *s = sf_strtab_slot(&b->ctr_tab, id, len, h);
  if (s) {
    *out = s->idx - 1;
    b->last_idx = *out;
    b->last_off = s->key_off;
    b->last_len = len;
    return 0;
  }
  return contract_new(b, id, len, h, out, why);
}

/* Out of line: the first sight of a key is rare, and inlined into the per-quote path it would
 * make every quote pay for its registers. */
__attribute__((noinline)) int sf_book_contract_slow(struct sf_book *b, uint32_t key, const char *id,
                                                    uint32_t *out, const char **why) {
  int rc = sf_book_contract(b, id, out, why);
  if (rc || key == 0 || key > SF_BOOK_KEY_MAX) return rc;
  if (key >= b->cap_key) {
    size_t ncap = b->cap_key ? b->cap_key : 1024;
    while (ncap <= key) ncap *= 2;
    uint32_t *nk = realloc(b->key_ctr, ncap * sizeof *nk);
    if (!nk) return 0; /* the key stays unmapped: later records take the id lookup */
    memset(nk + b->cap_key, 0, (ncap - b->cap_key) * sizeof *nk);
    b->key_ctr = nk;
    b->cap_key = ncap;
  }
  b->key_ctr[key] = *out + 1;
  return 0;
}

/* Slot i of the ring counted from the oldest (0) to the newest (SF_QRING - 1). */
#define QSLOT(r, i) (&(r)->q[((r)->last / SF_QSLOT_SIZE + 1 + (i)) & (SF_QRING - 1)])

void sf_qring_init(struct sf_qring *r) {
  for (int i = 0; i < SF_QRING; i++) {
    memset(&r->q[i], 0, sizeof r->q[i]);
    r->q[i].ts_ns = SF_TS_NULL;
    r->q[i].state = SF_Q_NONE;
  }
  r->last = SF_QRING_LAST_MAX;
}

void sf_qring_insert(struct sf_qring *r, const struct sf_qslot *q) {
  /* Older than everything kept: no print can need it (slots never filled are older than any
   * quote, so this drops a quote only once SF_QRING newer ones are kept). */
  if (q->ts_ns < QSLOT(r, 0)->ts_ns) return;
  /* Drop the oldest (slot 0) and shift the newer ones down until q's place. */
  int i = 0;
  while (i < SF_QRING - 1 && QSLOT(r, i + 1)->ts_ns <= q->ts_ns) {
    *QSLOT(r, i) = *QSLOT(r, i + 1);
    i++;
  }
  *QSLOT(r, i) = *q;
}

const struct sf_qslot *sf_qring_at_older(const struct sf_qring *r, int64_t ts_ns) {
  for (int i = SF_QRING - 2; i >= 0; i--) {
    const struct sf_qslot *s = QSLOT(r, i);
    if (s->ts_ns <= ts_ns) return s->state == SF_Q_NONE ? NULL : s;
  }
  return NULL;
}

void sf_book_und_sample(struct sf_book_und *u, int64_t ts_ns, double mid, int64_t lookback_ns) {
  int64_t step = lookback_ns / (SF_MOVE_RING / 2);
  if (u->h_n > 0) {
    uint32_t last = (u->h_head + SF_MOVE_RING - 1) % SF_MOVE_RING;
    /* Late quotes keep the history time-ordered by being skipped; a sample per step is enough
     * for a look-back of SF_MOVE_RING / 2 steps. */
    if (ts_ns < u->h_ts[last] + step) return;
  }
  u->h_ts[u->h_head] = ts_ns;
  u->h_mid[u->h_head] = mid;
  u->h_head = (u->h_head + 1) % SF_MOVE_RING;
  if (u->h_n < SF_MOVE_RING) u->h_n++;
}

double sf_book_und_move_bps(const struct sf_book_und *u, int64_t ts_ns, double cur_mid, int64_t lookback_ns) {
  if (u->h_n == 0 || !(cur_mid > 0)) return SF_NULL;
  /* The reference is the oldest sample inside [ts - lookback, ts). Samples are kept in time
   * order (sf_book_und_sample), so it is the oldest at or after ts - lookback, found by binary
   * search, when that one is before ts. */
  uint32_t first = (u->h_head + SF_MOVE_RING - u->h_n) % SF_MOVE_RING; /* the oldest sample */
  uint32_t lo = 0, hi = u->h_n;                                        /* over ages oldest..newest */
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (u->h_ts[(first + mid) % SF_MOVE_RING] < ts_ns - lookback_ns)
      lo = mid + 1;
    else
      hi = mid;
  }
  double ref = SF_NULL;
  if (lo < u->h_n) {
    uint32_t i = (first + lo) % SF_MOVE_RING;
    if (u->h_ts[i] < ts_ns) ref = u->h_mid[i];
  }
  if (sf_is_null(ref) || ref <= 0) return SF_NULL;
  return (cur_mid - ref) / ref * 1e4;
}
