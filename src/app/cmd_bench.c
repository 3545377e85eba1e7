/* `smartflow bench engine|api|ws|store`. The api and ws load benchmarks live in bench_api.c and
 * bench_ws.c, the store benchmark in bench_store.c; this file holds `bench engine`: a deterministic in-memory
 * engine workload and its throughput and latency. The records are generated before timing from a seed: five
 * underlyings, 800 contracts (4 expiries x 20 strikes x call/put each), Q option NBBO updates per print
 * (mostly on the contract about to print), an underlying quote every 8 prints, and a mix of order types:
 * retail lots (65%), multi-venue ISO sweeps (10%), blocks (5%), complex two-leg spreads (10%) and small-lot
 * bursts (10%). Every sink folds the content of what it receives into one FNV-1a hash (field by field, never
 * struct padding), so two builds that print the same hash computed the same thing; the sinks copy those
 * fields into a buffer and the hashing itself runs outside the timed region. Throughput is timed on one
 * pass; per-print latency on a second pass of the same workload, with the monotonic clock around each
 * print push; both passes must give the same hash. Output: one JSON line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "app/args.h"
#include "app/bench.h"
#include "app/commands.h"
#include "smartflow/condition.h"
#include "smartflow/contract.h"
#include "smartflow/engine.h"
#include "smartflow/hash.h"
#include "smartflow/record.h"
#include "smartflow/time.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: smartflow bench engine [--prints N] [--quotes-per-print Q] [--seed S]\n"
          "       smartflow bench api --help    HTTP load on the API server (bench_api.c)\n"
          "       smartflow bench ws --help     WebSocket fan-out load (bench_ws.c)\n"
          "       smartflow bench store --help  store write throughput, query latency (bench_store.c)\n\n"
          "Runs a generated workload (built before timing; option records carry contract keys, as\n"
          "an ingest that interns contract ids produces them) through the engine and prints one JSON\n"
          "line: prints/s, records/s, events/s, per-print latency p50/p99/p99.9 (ns), peak RSS and\n"
          "an FNV-1a hash of the content of every output record.\n\n"
          "options:\n"
          "  --prints N            option prints (default 1000000)\n"
          "  --quotes-per-print Q  option NBBO updates per print (default 3)\n"
          "  --seed S              generator seed (default 1)\n"
          "  -h, --help            show this help\n");
}

static uint64_t rng_next(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *s = x;
}
static double rng_unit(uint64_t *s) { return (double)(rng_next(s) >> 11) / 9007199254740992.0; }
static int rng_int(uint64_t *s, int n) { return (int)(rng_next(s) % (uint64_t)n); }

#define N_UND 5
#define N_EXP 4
#define N_STRIKE 20
#define N_CTR (N_UND * N_EXP * N_STRIKE * 2)

struct gen_ctr {
  char id[SF_CONTRACT_ID_MAX];
  uint32_t key; /* in gen.contracts, carried by the records as an ingest that interns sets it */
  int und;
  double strike;
  bool call;
  double dte;
};

/* A generated market-data record: the three input types only (a whole struct sf_record would
 * carry the derived types too and make the batch several times larger). */
struct mrec {
  enum sf_record_type type;
  union {
    struct sf_option_print option_print;
    struct sf_option_nbbo option_nbbo;
    struct sf_equity_quote equity_quote;
  } u;
};

struct gen {
  uint64_t rng;
  struct gen_ctr c[N_CTR];
  double spot[N_UND];
  struct mrec *rec;
  size_t n, cap;
  int64_t t;
  uint64_t trace;
  int quotes_per_print;
  struct sf_contract_table *contracts;
};

static const char *const und_names[N_UND] = {"SPY", "QQQ", "AAPL", "TSLA", "NVDA"};
static const double und_spot[N_UND] = {560, 480, 220, 250, 120};
static const char *const venues[] = {"CBOE", "ISE", "PHLX", "AMEX", "BOX", "MIAX", "ARCA", "BZX"};

static int gen_push(struct gen *g, struct sf_record *r) {
  if (g->n == g->cap) {
    size_t ncap = g->cap ? g->cap * 2 : 1 << 16;
    struct mrec *nr = realloc(g->rec, ncap * sizeof *nr);
    if (!nr) return -1;
    g->rec = nr;
    g->cap = ncap;
  }
  struct mrec *m = &g->rec[g->n++];
  m->type = r->type;
  if (r->type == SF_REC_OPTION_PRINT)
    m->u.option_print = r->u.option_print;
  else if (r->type == SF_REC_OPTION_NBBO)
    m->u.option_nbbo = r->u.option_nbbo;
  else
    m->u.equity_quote = r->u.equity_quote;
  return 0;
}

/* A rough fair value: intrinsic plus a time value that decays with moneyness. */
static double theo(const struct gen *g, const struct gen_ctr *c) {
  double s = g->spot[c->und], k = c->strike;
  double intrinsic = c->call ? fmax(0, s - k) : fmax(0, k - s);
  double sd = s * 0.25 * sqrt(c->dte / 365.0);
  double z = fabs(s - k) / sd;
  return intrinsic + 0.4 * sd * exp(-0.5 * z * z) + 0.01;
}

static void quote(struct gen *g, int ci, double *bid, double *ask) {
  double v = theo(g, &g->c[ci]);
  double half = fmax(0.01, v * 0.02);
  *bid = floor((v - half) * 100) / 100;
  *ask = ceil((v + half) * 100) / 100;
  if (*bid < 0) *bid = 0;
  if (*ask <= *bid) *ask = *bid + 0.01;
}

static int add_nbbo(struct gen *g, int ci) {
  struct sf_record r;
  sf_record_init(&r, SF_REC_OPTION_NBBO);
  struct sf_option_nbbo *q = &r.u.option_nbbo;
  q->ts_ns = g->t;
  q->meta.source_ts = q->meta.ingest_ts = sf_ns_to_ms(g->t);
  q->meta.seq = (int64_t)g->trace;
  snprintf(q->meta.trace_id, sizeof q->meta.trace_id, "q%llu", (unsigned long long)g->trace++);
  memcpy(q->option_contract_id, g->c[ci].id, sizeof q->option_contract_id);
  q->contract_key = g->c[ci].key;
  quote(g, ci, &q->bid, &q->ask);
  q->bid_size = 1 + rng_int(&g->rng, 200);
  q->ask_size = 1 + rng_int(&g->rng, 200);
  return gen_push(g, &r);
}

static int add_und(struct gen *g, int u) {
  g->spot[u] *= 1 + (rng_unit(&g->rng) - 0.5) * 0.0004;
  struct sf_record r;
  sf_record_init(&r, SF_REC_EQUITY_QUOTE);
  struct sf_equity_quote *q = &r.u.equity_quote;
  q->ts_ns = g->t;
  q->meta.source_ts = q->meta.ingest_ts = sf_ns_to_ms(g->t);
  snprintf(q->meta.trace_id, sizeof q->meta.trace_id, "u%llu", (unsigned long long)g->trace++);
  snprintf(q->underlying_id, sizeof q->underlying_id, "%s", und_names[u]);
  q->bid = floor(g->spot[u] * 100 - 1) / 100;
  q->ask = q->bid + 0.02;
  return gen_push(g, &r);
}

/* One print; side: +1 at the ask, -1 at the bid, 0 at the mid. */
static int add_print(struct gen *g, int ci, int side, int64_t size, const char *venue, uint32_t conds) {
  for (int k = 0; k < g->quotes_per_print; k++) {
    int qc = (k == 0 || rng_int(&g->rng, 2)) ? ci : rng_int(&g->rng, N_CTR);
    if (add_nbbo(g, qc)) return -1;
    g->t += 1000 + rng_int(&g->rng, 20000);
  }
  double bid, ask;
  quote(g, ci, &bid, &ask);
  struct sf_record r;
  sf_record_init(&r, SF_REC_OPTION_PRINT);
  struct sf_option_print *p = &r.u.option_print;
  p->ts_ns = g->t;
  p->meta.source_ts = p->meta.ingest_ts = sf_ns_to_ms(g->t);
  snprintf(p->meta.trace_id, sizeof p->meta.trace_id, "t%llu", (unsigned long long)g->trace++);
  memcpy(p->option_contract_id, g->c[ci].id, sizeof p->option_contract_id);
  p->contract_key = g->c[ci].key;
  p->price = side > 0 ? ask : (side < 0 ? bid : round((bid + ask) * 50) / 100);
  p->size = size;
  snprintf(p->exchange, sizeof p->exchange, "%s", venue);
  p->conditions = conds;
  return gen_push(g, &r);
}

static int near_contract(struct gen *g, int u) {
  int e = rng_int(&g->rng, N_EXP), k = N_STRIKE / 2 - 4 + rng_int(&g->rng, 8), cp = rng_int(&g->rng, 2);
  return ((u * N_EXP + e) * N_STRIKE + k) * 2 + cp;
}

static int gen_init(struct gen *g) {
  int64_t day = sf_ny_local_to_utc_ns(2025, 3, 18, 9, 30, 0);
  g->t = day;
  static const int exp_days[N_EXP] = {0, 3, 17, 59}; /* expiries from 2025-03-18 */
  for (int u = 0; u < N_UND; u++) {
    g->spot[u] = und_spot[u];
    for (int e = 0; e < N_EXP; e++)
      for (int k = 0; k < N_STRIKE; k++)
        for (int cp = 0; cp < 2; cp++) {
          struct gen_ctr *c = &g->c[((u * N_EXP + e) * N_STRIKE + k) * 2 + cp];
          int y, m, d;
          sf_civil_from_days(sf_days_from_civil(2025, 3, 18) + exp_days[e], &y, &m, &d);
          c->und = u;
          c->strike = round(und_spot[u] * (0.9 + 0.01 * k));
          c->call = cp == 0;
          c->dte = exp_days[e] + 0.25;
          snprintf(c->id, sizeof c->id, "%s-%04d-%02d-%02d-%d-%c", und_names[u], y, m, d, (int)c->strike,
                   c->call ? 'C' : 'P');
          if (sf_contract_table_intern(g->contracts, c->id, strlen(c->id), &c->key, NULL)) return -1;
        }
  }
  return 0;
}

/* Appends records for about `prints` more prints (orders are not split). */
static int generate(struct gen *g, size_t prints) {
  if (g->t == 0) {
    if (gen_init(g)) return -1;
    for (int u = 0; u < N_UND; u++)
      if (add_und(g, u)) return -1;
  }
  size_t done = 0;
  while (done < prints) {
    int u = rng_int(&g->rng, N_UND);
    if (done % 8 == 0 && add_und(g, u)) return -1;
    int ci = near_contract(g, u);
    int kind = rng_int(&g->rng, 100);
    int n = 1;
    if (kind < 65) { /* retail lot */
      if (add_print(g, ci, rng_int(&g->rng, 3) - 1, 1 + rng_int(&g->rng, 10), venues[rng_int(&g->rng, 8)],
                    SF_COND_FILL))
        return -1;
    } else if (kind < 75) { /* ISO sweep over venues */
      n = 3 + rng_int(&g->rng, 3);
      int side = rng_int(&g->rng, 2) ? 1 : -1;
      for (int i = 0; i < n; i++)
        if (add_print(g, ci, side, 20 + rng_int(&g->rng, 80), venues[i], SF_COND_ISO)) return -1;
    } else if (kind < 80) { /* block */
      if (add_print(g, ci, rng_int(&g->rng, 2) ? 1 : -1, 200 + rng_int(&g->rng, 800), "CBOE", SF_COND_FILL))
        return -1;
    } else if (kind < 90) { /* complex two-leg vertical */
      int size = 10 + rng_int(&g->rng, 90);
      int other = ci + 2 < N_CTR && g->c[ci + 2].und == u ? ci + 2 : ci - 2;
      if (add_print(g, ci, 0, size, "CBOE", SF_COND_COMPLEX) ||
          add_print(g, other, 0, size, "CBOE", SF_COND_COMPLEX))
        return -1;
      n = 2;
    } else { /* small-lot burst */
      n = 5 + rng_int(&g->rng, 6);
      for (int i = 0; i < n; i++)
        if (add_print(g, ci, 1, 1 + rng_int(&g->rng, 5), venues[rng_int(&g->rng, 8)], SF_COND_FILL))
          return -1;
    }
    done += (size_t)n;
    g->t += 100 * SF_NS_PER_US + rng_int(&g->rng, 3000) * SF_NS_PER_US;
  }
  return 0;
}

/* The sinks hand what they receive on as a queueing consumer would: prints, hits and alerts
 * as the bytes their hash covers, events as copies (a struct copy, and each string vector as
 * its count, its string offsets and its string block, appended to a reused arena). The queue
 * is folded into the FNV-1a state outside the timed region, in arrival order (each event at the
 * byte offset where it arrived); FNV-1a over the concatenation equals FNV-1a streamed piece by
 * piece, so the hash is that of every field of every record in order, as if hashed in the
 * callbacks. */
struct evcopy {
  size_t at;                      /* buffer length when the event arrived */
  size_t vat;                     /* where its vectors start in the vector arena */
  struct sf_smart_money_event ev; /* a struct copy: its vectors are read from the arena */
};

struct hsink {
  uint64_t h;
  uint64_t events, hits, alerts, packets, prints;
  unsigned char *buf;
  size_t len, cap;
  struct evcopy *evq; /* queued event copies */
  size_t n_ev, cap_ev;
  unsigned char *vb; /* vector arena of the queued events */
  size_t vlen, vcap;
  char **vv; /* scratch string views for the vectors rebuilt while folding */
  size_t vv_cap;
  bool direct; /* folding: bytes go straight into h */
  bool oom;
};

#define HSINK_FOLD (1u << 20)  /* fold when the buffer holds this much */
#define HSINK_FOLD_EVENTS 1024 /* or this many events are queued */

static __attribute__((noinline)) void hbytes_grow(struct hsink *s, const void *p, size_t n) {
  size_t ncap = s->cap ? s->cap * 2 : 2 * HSINK_FOLD;
  while (ncap < s->len + n) ncap *= 2;
  unsigned char *nb = realloc(s->buf, ncap);
  if (!nb) {
    s->oom = true;
    return;
  }
  s->buf = nb;
  s->cap = ncap;
  memcpy(s->buf + s->len, p, n);
  s->len += n;
}
static inline void hbytes(struct hsink *s, const void *p, size_t n) {
  if (s->direct) {
    s->h = sf_hash_update(s->h, p, n);
    return;
  }
  if (s->len + n > s->cap) {
    hbytes_grow(s, p, n);
    return;
  }
  memcpy(s->buf + s->len, p, n);
  s->len += n;
}
static inline void hstr(struct hsink *s, const char *x) { hbytes(s, x, strlen(x) + 1); }
static inline void hnum(struct hsink *s, double x) {
  if (isnan(x)) x = NAN; /* one NaN bit pattern */
  hbytes(s, &x, sizeof x);
}
static inline void hint(struct hsink *s, int64_t x) { hbytes(s, &x, sizeof x); }
static void hvec(struct hsink *s, const struct sf_strvec *v) {
  hint(s, (int64_t)v->n);
  for (size_t i = 0; i < v->n; i++) hstr(s, v->v[i]);
}
static void hmeta(struct hsink *s, const struct sf_meta *m) {
  hint(s, m->source_ts);
  hint(s, m->seq);
  hstr(s, m->trace_id);
}

/* The hashed content of an event, field by field; its string vectors in v (see ev_vecs). */
static void hevent(struct hsink *s, const struct sf_smart_money_event *e, struct sf_strvec *const *v) {
  hmeta(s, &e->meta);
  hvec(s, v[0]);
  hvec(s, v[1]);
  hint(s, e->event_kind);
  size_t nf;
  const struct sf_field_desc *fd = sf_features_fields(&nf);
  const unsigned char *base = (const unsigned char *)&e->features;
  for (size_t i = 0; i < nf; i++) {
    const void *p = base + fd[i].offset;
    switch (fd[i].kind) {
      case SF_FK_NUM:
      case SF_FK_INT:
        hnum(s, *(const double *)p);
        break;
      case SF_FK_TS:
        hint(s, *(const int64_t *)p);
        break;
      case SF_FK_STR:
        hstr(s, (const char *)p);
        break;
      default:
        hint(s, *(const int8_t *)p);
        break;
    }
  }
  for (int i = 0; i < SF_PROFILE_COUNT; i++) {
    hint(s, e->scores[i].profile);
    hnum(s, e->scores[i].probability);
    hint(s, e->scores[i].band * 16 + e->scores[i].direction);
    hvec(s, v[3 + i]);
  }
  hint(s, e->primary_profile);
  hint(s, e->abstained);
  hvec(s, v[2]);
}

/* The string vectors of an event, for copying them apart from the struct. */
static void ev_vecs(struct sf_smart_money_event *e, struct sf_strvec *v[3 + SF_PROFILE_COUNT]) {
  v[0] = &e->packet_ids;
  v[1] = &e->member_print_ids;
  v[2] = &e->suppressed_reasons;
  for (int i = 0; i < SF_PROFILE_COUNT; i++) v[3 + i] = &e->scores[i].reasons;
}

#define NVEC (3 + SF_PROFILE_COUNT)

static bool vb_reserve(struct hsink *s, size_t add) {
  if (s->vlen + add <= s->vcap) return true;
  size_t ncap = s->vcap ? s->vcap * 2 : 1 << 16;
  while (ncap < s->vlen + add) ncap *= 2;
  unsigned char *nb = realloc(s->vb, ncap);
  if (!nb) {
    s->oom = true;
    return false;
  }
  s->vb = nb;
  s->vcap = ncap;
  return true;
}

/* A vector in the arena: n and len (size_t), n string offsets (uint32_t), then the len bytes
 * of its block, each part padded to 8 bytes. */
static void vb_put(struct hsink *s, const struct sf_strvec *v) {
  size_t offs = (v->n * sizeof(uint32_t) + 7) & ~(size_t)7;
  size_t room = 2 * sizeof(size_t) + offs + ((v->len + 7) & ~(size_t)7); /* keeps 8-byte alignment */
  if (!vb_reserve(s, room)) return;
  unsigned char *p = s->vb + s->vlen;
  memcpy(p, &v->n, sizeof v->n);
  memcpy(p + sizeof(size_t), &v->len, sizeof v->len);
  uint32_t *o = (uint32_t *)(void *)(p + 2 * sizeof(size_t));
  for (size_t i = 0; i < v->n; i++) o[i] = (uint32_t)(v->v[i] - v->buf);
  if (v->len) memcpy(p + 2 * sizeof(size_t) + offs, v->buf, v->len);
  s->vlen += room;
}

/* Rebuilds the vector at *pos of the arena as views (into s->vv from slot *used). */
static void vb_get(struct hsink *s, size_t *pos, size_t *used, struct sf_strvec *out) {
  unsigned char *p = s->vb + *pos;
  size_t n, len;
  memcpy(&n, p, sizeof n);
  memcpy(&len, p + sizeof(size_t), sizeof len);
  size_t offs = (n * sizeof(uint32_t) + 7) & ~(size_t)7;
  const uint32_t *o = (const uint32_t *)(const void *)(p + 2 * sizeof(size_t));
  char *block = (char *)(p + 2 * sizeof(size_t) + offs);
  memset(out, 0, sizeof *out);
  out->v = s->vv + *used;
  out->n = n;
  for (size_t i = 0; i < n; i++) out->v[i] = block + o[i];
  *used += n;
  *pos += 2 * sizeof(size_t) + offs + ((len + 7) & ~(size_t)7);
}

static void on_event(void *ctx, const struct sf_smart_money_event *e) {
  struct hsink *s = ctx;
  s->events++;
  if (s->n_ev == s->cap_ev) {
    size_t ncap = s->cap_ev ? s->cap_ev * 2 : 64;
    struct evcopy *nq = realloc(s->evq, ncap * sizeof *nq);
    if (!nq) {
      s->oom = true;
      return;
    }
    s->evq = nq;
    s->cap_ev = ncap;
  }
  struct evcopy *q = &s->evq[s->n_ev++];
  q->at = s->len;
  q->vat = s->vlen;
  q->ev = *e;
  struct sf_strvec *sv[NVEC];
  ev_vecs((struct sf_smart_money_event *)(uintptr_t)e, sv);
  for (int i = 0; i < NVEC; i++) vb_put(s, sv[i]);
}

/* Hashes the queue in arrival order and empties it. */
static void hfold(struct hsink *s) {
  size_t pos = 0;
  s->direct = true;
  for (size_t i = 0; i < s->n_ev && !s->oom; i++) {
    s->h = sf_hash_update(s->h, s->buf + pos, s->evq[i].at - pos);
    pos = s->evq[i].at;
    /* the views of this event's vectors: at most one per string, and a string takes at least
     * its NUL in the arena */
    size_t end = i + 1 < s->n_ev ? s->evq[i + 1].vat : s->vlen, need = end - s->evq[i].vat;
    if (need > s->vv_cap) {
      char **nv = realloc(s->vv, need * sizeof *nv);
      if (!nv) {
        s->oom = true;
        break;
      }
      s->vv = nv;
      s->vv_cap = need;
    }
    struct sf_strvec vec[NVEC], *vp[NVEC];
    size_t at = s->evq[i].vat, used = 0;
    for (int k = 0; k < NVEC; k++) {
      vb_get(s, &at, &used, &vec[k]);
      vp[k] = &vec[k];
    }
    hevent(s, &s->evq[i].ev, vp);
  }
  s->h = sf_hash_update(s->h, s->buf + pos, s->len - pos);
  s->direct = false;
  s->len = 0;
  s->n_ev = 0;
  s->vlen = 0;
}

static void hsink_fini(struct hsink *s) {
  free(s->evq);
  free(s->vb);
  free(s->vv);
  free(s->buf);
}

static void on_hit(void *ctx, const struct sf_classifier_hit *h) {
  struct hsink *s = ctx;
  s->hits++;
  hmeta(s, &h->meta);
  hstr(s, h->classifier_id);
  hnum(s, h->confidence);
  hint(s, h->direction);
}
static void on_alert(void *ctx, const struct sf_alert *a) {
  struct hsink *s = ctx;
  s->alerts++;
  hmeta(s, &a->meta);
  hnum(s, a->score);
  hint(s, a->severity);
  hvec(s, &a->evidence_refs);
}
static void on_print(void *ctx, const struct sf_option_print *p) {
  struct hsink *s = ctx;
  s->prints++;
  /* hint(side / aggressor) then hnum(iv), as one 16-byte piece */
  unsigned char b[16];
  int64_t sa = p->nbbo_side * 4 + p->aggressor + 1;
  double iv = isnan(p->iv) ? NAN : p->iv;
  memcpy(b, &sa, 8);
  memcpy(b + 8, &iv, 8);
  hbytes(s, b, sizeof b);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* Per-print latencies as an exact histogram: one counter per ns below LAT_HIST_NS, the rare
 * longer ones (preemption) kept in a list. Order statistics are those of the sorted samples,
 * and memory does not grow with the run. */
#define LAT_HIST_NS (1u << 17)
struct lat {
  uint32_t *h;
  int64_t *over;
  size_t n, n_over, cap_over;
  bool oom;
};

static void lat_add(struct lat *l, int64_t x) {
  l->n++;
  if (x < 0) x = 0;
  if (x < (int64_t)LAT_HIST_NS) {
    l->h[x]++;
    return;
  }
  if (l->n_over == l->cap_over) {
    size_t ncap = l->cap_over ? l->cap_over * 2 : 1024;
    int64_t *no = realloc(l->over, ncap * sizeof *no);
    if (!no) {
      l->oom = true;
      return;
    }
    l->over = no;
    l->cap_over = ncap;
  }
  l->over[l->n_over++] = x;
}

/* The k-th smallest sample (0-based, k < n); the long ones must be sorted. */
static int64_t lat_kth(const struct lat *l, size_t k) {
  for (size_t v = 0; v < LAT_HIST_NS; v++) {
    if (k < l->h[v]) return (int64_t)v;
    k -= l->h[v];
  }
  return k < l->n_over ? l->over[k] : -1;
}

/* One pass of the workload through a fresh engine: elapsed covers the engine and its sinks
 * (generation and hash folding are outside); with lat, each print push is also timed alone. */
struct pass_out {
  int64_t elapsed_ns;
  size_t prints, records;
  uint64_t hash, hits, alerts;
  struct sf_engine_stats st;
};

static int run_pass(uint64_t seed, int qpp, uint64_t prints, struct lat *lat, struct pass_out *out) {
  memset(out, 0, sizeof *out);
  struct gen *g = calloc(1, sizeof *g);
  if (!g) return 1;
  g->rng = seed * 0x9E3779B97F4A7C15ull + 1;
  g->quotes_per_print = qpp;
  if (sf_contract_table_new(&g->contracts)) {
    free(g);
    return 1;
  }
  int status = 1;
  struct sf_engine *e = NULL;
  struct hsink hs = {SF_HASH_SEED, 0, 0, 0, 0, 0, NULL, 0, 0, NULL, 0, 0, NULL, 0, 0, NULL, 0, false, false};
  struct sf_engine_sinks sinks = {&hs, on_print, NULL, on_event, on_hit, on_alert};
  struct sf_engine_config cfg;
  sf_engine_config_default(&cfg);
  if (sf_engine_new(&cfg, &sinks, &e)) goto done;
  int64_t elapsed = 0;
  /* Generate a batch (untimed), push it (timed), repeat: memory stays bounded. */
  while (out->prints < prints) {
    g->n = 0;
    size_t want = prints - out->prints < 65536 ? prints - out->prints : 65536;
    if (generate(g, want)) goto done;
    for (size_t i = 0; i < g->n; i++) out->prints += g->rec[i].type == SF_REC_OPTION_PRINT;
    out->records += g->n;
    int64_t t0 = sf_time_mono_ns();
    for (size_t i = 0; i < g->n; i++) {
      const struct mrec *m = &g->rec[i];
      if (m->type == SF_REC_OPTION_PRINT) {
        if (lat) {
          int64_t a = sf_time_mono_ns();
          sf_engine_push_option_print(e, &m->u.option_print);
          lat_add(lat, sf_time_mono_ns() - a);
        } else {
          sf_engine_push_option_print(e, &m->u.option_print);
        }
        if (hs.len >= HSINK_FOLD || hs.n_ev >= HSINK_FOLD_EVENTS) { /* hashing is not timed */
          elapsed += sf_time_mono_ns() - t0;
          hfold(&hs);
          t0 = sf_time_mono_ns();
        }
      } else if (m->type == SF_REC_OPTION_NBBO) {
        sf_engine_push_option_nbbo(e, &m->u.option_nbbo);
      } else {
        sf_engine_push_equity_quote(e, &m->u.equity_quote);
      }
    }
    elapsed += sf_time_mono_ns() - t0;
    hfold(&hs);
  }
  int64_t t1 = sf_time_mono_ns();
  sf_engine_flush(e);
  elapsed += sf_time_mono_ns() - t1;
  hfold(&hs);
  if (hs.oom) goto done;
  sf_engine_get_stats(e, &out->st);
  out->elapsed_ns = elapsed;
  out->hash = sf_hash_mix64(hs.h);
  out->hits = hs.hits;
  out->alerts = hs.alerts;
  status = 0;
done:
  sf_engine_free(e);
  hsink_fini(&hs);
  if (g->rec) free(g->rec); /* market-data records own nothing */
  sf_contract_table_free(g->contracts);
  free(g);
  return status;
}

/* Throughput comes from a pass without per-print clock reads (two clock reads per print would
 * be a tenth of the time measured); latency from a second pass over the same workload that
 * times each print push. The two passes must hash alike: the benchmark checks that it measured
 * one computation. */
static int bench_engine(int argc, char **argv) {
  uint64_t prints = 1000000, qpp64 = 3, seed = 1;
  static const struct option opts[] = {{"prints", required_argument, 0, 'p'},
                                       {"quotes-per-print", required_argument, 0, 'q'},
                                       {"seed", required_argument, 0, 's'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  struct sf_args args = {.cmd = "bench engine", .argc = argc, .argv = argv, .opts = opts, .usage = usage};
  int ch;
  while ((ch = sf_args_next(&args)) != -1) {
    int bad = 0;
    switch (ch) {
      case 'p':
        bad = sf_args_u64(&args, 1, UINT64_C(1000000000), &prints);
        break;
      case 'q':
        bad = sf_args_u64(&args, 0, 100, &qpp64);
        break;
      case 's':
        bad = sf_args_u64(&args, 0, UINT64_MAX, &seed);
        break;
      default: /* --help or a usage error, printed */
        return args.status;
    }
    if (bad) return SF_ARGS_USAGE;
  }
  if (sf_args_no_operands(&args)) return SF_ARGS_USAGE;
  int qpp = (int)qpp64, status = 1;
  struct lat lat = {NULL, NULL, 0, 0, 0, false};
  struct pass_out run, timed;
  lat.h = calloc(LAT_HIST_NS, sizeof *lat.h);
  if (!lat.h) goto done;
  if (run_pass(seed, qpp, prints, NULL, &run) || run_pass(seed, qpp, prints, &lat, &timed)) goto done;
  if (lat.oom || lat.n == 0) goto done;
  if (timed.hash != run.hash || timed.records != run.records) {
    fprintf(
        stderr,
        "bench engine: the latency pass computed something else (hash %016llx, throughput pass %016llx)\n",
        (unsigned long long)timed.hash, (unsigned long long)run.hash);
    goto done;
  }
  double secs = (double)run.elapsed_ns / 1e9;
  if (lat.n_over > 1) qsort(lat.over, lat.n_over, sizeof *lat.over, cmp_i64);
  size_t li = lat.n;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf(
      "{\"bench\":\"engine\",\"seed\":%llu,\"prints\":%zu,\"records\":%zu,\"quotes_per_print\":%d,"
      "\"seconds\":%.4f,\"prints_per_s\":%.0f,\"records_per_s\":%.0f,\"events\":%llu,\"events_per_s\":%.0f,"
      "\"abstained\":%llu,\"hits\":%llu,\"alerts\":%llu,\"rejected\":%llu,"
      "\"latency_ns\":{\"p50\":%lld,\"p99\":%lld,\"p999\":%lld,\"max\":%lld},"
      "\"peak_rss_kb\":%ld,\"output_hash\":\"%016llx\"}\n",
      (unsigned long long)seed, run.prints, run.records, qpp, secs, (double)run.prints / secs,
      (double)run.records / secs, (unsigned long long)run.st.smart_money_out,
      (double)run.st.smart_money_out / secs, (unsigned long long)run.st.abstained,
      (unsigned long long)run.hits, (unsigned long long)run.alerts, (unsigned long long)run.st.rejected,
      (long long)lat_kth(&lat, li / 2), (long long)lat_kth(&lat, (size_t)((double)li * 0.99)),
      (long long)lat_kth(&lat, (size_t)((double)li * 0.999)), (long long)lat_kth(&lat, li - 1), ru.ru_maxrss,
      (unsigned long long)run.hash);
  status = run.st.rejected ? 1 : 0;
done:
  free(lat.h);
  free(lat.over);
  return status;
}

int sf_cmd_bench(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "engine") == 0) return bench_engine(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "api") == 0) return sf_bench_api(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "ws") == 0) return sf_bench_ws(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "store") == 0) return sf_bench_store(argc - 1, argv + 1);
  if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
    usage(stdout);
    return 0;
  }
  usage(stderr);
  return 2;
}
