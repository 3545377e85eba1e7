/* SmartMoneyFeatures of a parent event (CONTRACTS.md), every field from the event's member
 * prints as enriched at print time. A value that cannot be known is null (NaN / "" / -1),
 * never a made-up 0. Definitions (sizes are contracts, ratios are size-weighted unless said):
 *   total_premium = total_notional = sum price x size x multiplier (dollars);
 *   dte_days = (expiry 16:00 ET - event start) / 1 day of the front (earliest) expiry;
 *   moneyness = strike / spot and atm_proximity = |strike - spot| / spot (size-weighted over
 *     legs), spot = the underlying mid at the first print that had a fresh one;
 *   aggressor_buy_ratio / _sell_ratio = buyer- / seller-initiated size over total size,
 *     aggressor_ratio = (buy - sell) / total size in [-1, 1];
 *   nbbo_coverage_ratio = prints signed against a fresh usable NBBO (AA/A/MID/B/BB) / prints,
 *     nbbo_inside_ratio = MID prints / covered prints, nbbo_stale_ratio = STALE / prints,
 *     quote_age_ms = mean age of the quote in force over prints that had one;
 *   inter_fill_ms_mean = (end - start) / (prints - 1), null for one print;
 *   strike_concentration = the largest size share on one strike;
 *   net_directional_bias = sum(sign x size x delta) / sum(size x |delta|) in [-1, 1], where a
 *     print without a delta counts with the sign of its type (+1 call, -1 put);
 *   synthetic_iv_shock = mean of iv / baseline - 1, spread_widening = mean of relative spread /
 *     baseline - 1, against the contract's EWMA baseline before each print;
 *   underlying_move_bps = the underlying move over move_lookback_ns when the first leg opened;
 *   days_to_event / expiry_after_event / pre_event_concentration from the calendar's next
 *     visible event of the underlying at the event start (null without one);
 *   special_print_ratio = size share of special prints (condition.h SF_COND_MASK_SPECIAL);
 *   extras: iso_ratio (ISO/SWEEP), complex_ratio (COMPLEX/SPREAD), avg_fill_size,
 *     net_delta_notional = sum(sign x size x delta x multiplier x spot) dollars;
 *   vol_oi_ratio = the event's contracts traded in a leg / that contract's open interest as of
 *     the New York trading date of the event start (the configured oi_lookup, asked once per
 *     contract and date); for a multi-leg event the leg with the highest ratio, legs without a
 *     known figure skipped; an open interest of 0 counts as 1 (a new series: every contract
 *     traded opens a position); null without a lookup or when no leg's figure is known. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "engine/internal.h"
#include "smartflow/calendar.h"
#include "smartflow/condition.h"
#include "smartflow/time.h"

#define DAY_NS 86400e9

static bool covered(uint8_t side) { return side >= SF_SIDE_AA && side <= SF_SIDE_BB; }

/* The open interest of contract ci on the trading date yyyymmdd, or -1 when unknown: one call
 * of the configured lookup per contract and date. */
static int64_t contract_oi(struct sf_engine *e, uint32_t ci, int y, int m, int d) {
  struct sf_book_ctr *k = &e->book.ctr[ci];
  int32_t date = y * 10000 + m * 100 + d;
  if (k->oi_date != date) {
    int64_t oi = -1;
    if (e->cfg.oi_lookup(e->cfg.oi_ctx, k->id, y, m, d, &oi) != 0 || oi < 0) oi = -1;
    k->oi_date = date;
    k->oi = oi;
  }
  return k->oi;
}

void sf_features_compute(struct sf_engine *e, const struct sf_group *g, struct sf_features *f,
                         struct sf_evidence *ev) {
  const struct sf_pool *pl = &e->pool;
  *f = e->null_features; /* sf_features_init_null, made once */
  memset(ev, 0, sizeof *ev);
  ev->spot = ev->rel_spread_mean = ev->otm = ev->dte_min = ev->abs_delta = ev->fill_rate = ev->iv_rise =
      SF_NULL;
  ev->structure = g->structure;

  int64_t start = INT64_MAX, end = INT64_MIN, spot_ts = INT64_MAX;
  double n = 0, size = 0, prem = 0, buy = 0, sell = 0, cov = 0, inside = 0, stale = 0;
  double age_sum = 0, age_n = 0, rsp_sum = 0, rsp_n = 0, ivs_sum = 0, ivs_w = 0, spw_sum = 0, spw_w = 0;
  double bias_num = 0, bias_den = 0, dn_sum = 0, dn_n = 0, special = 0, iso = 0, cplx = 0, tie = 0;
  double aggressive = 0, sweep = 0, block = 0, adelta = 0, adelta_w = 0;
  /* Distinct venues (at most 64 counted): an open-addressing set of 64 slots, a slot in use
   * when its bit of venue_used is set (nothing to clear per event). */
  uint64_t venues[64], venue_used = 0;
  size_t n_venues = 0;
  double spot = SF_NULL;
  double move = SF_NULL;
  int64_t first_open = INT64_MAX;
#ifdef __SSE2__
  _Static_assert(offsetof(struct sf_pprint, rel_spread) == offsetof(struct sf_pprint, nbbo_age_ms) + 8 &&
                     offsetof(struct sf_pprint, spread_wide) == offsetof(struct sf_pprint, iv_shock) + 8,
                 "field pairs summed together are adjacent");
  const __m128d one = _mm_set1_pd(1.0);
  __m128d a_sum = _mm_setzero_pd(), a_n = _mm_setzero_pd(), w_sum = _mm_setzero_pd(), w_w = _mm_setzero_pd();
#endif

  /* The window from the clusters (each keeps the min and max of its prints' times), so that
   * the one pass over the prints below can also sum the late IV. */
  for (uint32_t li = 0; li < g->n; li++) {
    const struct sf_cluster *c = &pl->c[g->clusters[li]];
    if (c->n == 0) continue;
    if (c->start_ns < start) start = c->start_ns;
    if (c->last_ns > end) end = c->last_ns;
  }
  if (start > end) return; /* no prints */
  /* IV over the window: the size-weighted IV of the prints in its last third against the
   * contract's baseline before the earliest print that had one (iv / (1 + shock) recovers it). */
  int64_t late_from = end - (end - start) / 3;
  double base0 = SF_NULL, late_iv = 0, late_w = 0;
  int64_t base_ts = INT64_MAX;

  for (uint32_t li = 0; li < g->n; li++) {
    const struct sf_cluster *c = &pl->c[g->clusters[li]];
    const struct sf_book_ctr *k = &e->book.ctr[c->contract];
    sweep += (double)c->sweep_size;
    block += (double)c->block_size;
    if (c->start_ns < first_open) {
      first_open = c->start_ns;
      move = c->move_bps;
    }
    for (uint32_t pi = c->head; pi != SF_NIL; pi = pl->p[pi].next) {
      const struct sf_pprint *p = &pl->p[pi];
      double s = (double)p->size;
      n += 1;
      size += s;
      prem += p->price * s * k->mult;
      if (!isnan(p->spot) && p->ts_ns < spot_ts) {
        spot_ts = p->ts_ns;
        spot = p->spot;
      }
      if (p->aggressor > 0) buy += s;
      if (p->aggressor < 0) sell += s;
      if (covered(p->side)) {
        cov += 1;
        if (p->side == SF_SIDE_MID)
          inside += 1;
        else
          aggressive += s;
      }
      if (p->side == SF_SIDE_STALE) stale += 1;
#ifdef __SSE2__
      { /* two fields at a time, a null one adding an exact +0 (no sum here is ever -0) */
        __m128d q = _mm_loadu_pd(&p->nbbo_age_ms), m = _mm_cmpord_pd(q, q); /* with rel_spread */
        a_sum = _mm_add_pd(a_sum, _mm_and_pd(m, q));
        a_n = _mm_add_pd(a_n, _mm_and_pd(m, one));
        __m128d sv = _mm_set1_pd(s);
        q = _mm_loadu_pd(&p->iv_shock); /* with spread_wide */
        m = _mm_cmpord_pd(q, q);
        w_sum = _mm_add_pd(w_sum, _mm_and_pd(m, _mm_mul_pd(q, sv)));
        w_w = _mm_add_pd(w_w, _mm_and_pd(m, sv));
      }
#else
      if (!isnan(p->nbbo_age_ms)) {
        age_sum += p->nbbo_age_ms;
        age_n += 1;
      }
      if (!isnan(p->rel_spread)) {
        rsp_sum += p->rel_spread;
        rsp_n += 1;
      }
      if (!isnan(p->iv_shock)) {
        ivs_sum += p->iv_shock * s;
        ivs_w += s;
      }
      if (!isnan(p->spread_wide)) {
        spw_sum += p->spread_wide * s;
        spw_w += s;
      }
#endif
      if (!isnan(p->delta)) {
        adelta += fabs(p->delta) * s;
        adelta_w += s;
      }
      double d = !isnan(p->delta) ? p->delta : (k->is_call ? 1.0 : -1.0);
      bias_num += p->aggressor * s * d;
      bias_den += s * fabs(d);
      if (!isnan(p->delta) && !isnan(p->spot)) {
        dn_sum += p->aggressor * s * p->delta * k->mult * p->spot;
        dn_n += 1;
      }
      if (p->conditions & SF_COND_MASK_SPECIAL) special += s;
      if (p->conditions & (SF_COND_ISO | SF_COND_SWEEP)) iso += s;
      if (p->conditions & (SF_COND_COMPLEX | SF_COND_SPREAD)) cplx += s;
      if (p->conditions & SF_COND_STOCK_TIE) tie += s;
      if (n_venues < 64) { /* a free slot remains: the probe ends */
        unsigned v = (unsigned)(p->venue & 63);
        while ((venue_used >> v & 1) && venues[v] != p->venue) v = (v + 1) & 63;
        if (!(venue_used >> v & 1)) {
          venue_used |= UINT64_C(1) << v;
          venues[v] = p->venue;
          n_venues++;
        }
      }
      if (!isnan(p->iv)) {
        if (!isnan(p->iv_shock) && p->ts_ns < base_ts && p->iv_shock > -1) {
          base_ts = p->ts_ns;
          base0 = p->iv / (1 + p->iv_shock);
        }
        if (p->ts_ns >= late_from) {
          late_iv += p->iv * s;
          late_w += s;
        }
      }
    }
  }
  if (n == 0) return;
#ifdef __SSE2__
  age_sum = _mm_cvtsd_f64(a_sum);
  rsp_sum = _mm_cvtsd_f64(_mm_unpackhi_pd(a_sum, a_sum));
  age_n = _mm_cvtsd_f64(a_n);
  rsp_n = _mm_cvtsd_f64(_mm_unpackhi_pd(a_n, a_n));
  ivs_sum = _mm_cvtsd_f64(w_sum);
  spw_sum = _mm_cvtsd_f64(_mm_unpackhi_pd(w_sum, w_sum));
  ivs_w = _mm_cvtsd_f64(w_w);
  spw_w = _mm_cvtsd_f64(_mm_unpackhi_pd(w_w, w_w));
#endif

  if (base0 > 0 && late_w > 0) ev->iv_rise = late_iv / late_w / base0 - 1;
  if (n > 1 && end > start) ev->fill_rate = (n - 1) / ((double)(end - start) / 60e9);

  /* Per-leg (contract) aggregates. */
  double strikes[SF_GROUP_MAX], strike_size[SF_GROUP_MAX], contract_size[SF_GROUP_MAX];
  uint32_t contracts[SF_GROUP_MAX];
  size_t n_strikes = 0, n_contracts = 0;
  double mny_sum = 0, atm_sum = 0, otm_sum = 0, dte_min = SF_NULL;
  int64_t front_expiry = INT64_MAX;
  for (uint32_t li = 0; li < g->n; li++) {
    const struct sf_cluster *c = &pl->c[g->clusters[li]];
    const struct sf_book_ctr *k = &e->book.ctr[c->contract];
    double s = (double)c->size;
    size_t ki = 0;
    while (ki < n_contracts && contracts[ki] != c->contract) ki++;
    if (ki == n_contracts) {
      contracts[n_contracts] = c->contract;
      contract_size[n_contracts++] = 0;
    }
    contract_size[ki] += s;
    size_t si = 0;
    while (si < n_strikes && strikes[si] != k->strike) si++;
    if (si == n_strikes) {
      strikes[n_strikes] = k->strike;
      strike_size[n_strikes++] = 0;
    }
    strike_size[si] += s;
    if (!isnan(spot) && spot > 0) {
      mny_sum += k->strike / spot * s;
      atm_sum += fabs(k->strike - spot) / spot * s;
      double o = k->is_call ? (k->strike - spot) / spot : (spot - k->strike) / spot;
      otm_sum += (o > 0 ? o : 0) * s;
    }
    if (k->expiry_ns < front_expiry) {
      front_expiry = k->expiry_ns;
      dte_min = (double)(k->expiry_ns - start) / DAY_NS;
    }
  }

  f->contract_count = (double)n_contracts;
  f->print_count = n;
  f->total_size = size;
  f->total_premium = prem;
  f->total_notional = prem;
  f->start_ts = sf_ns_to_ms(start);
  f->end_ts = sf_ns_to_ms(end);
  f->window_ms = (double)(end - start) / 1e6;
  if (n_contracts == 1) {
    const struct sf_book_ctr *k = &e->book.ctr[contracts[0]];
    memcpy(f->option_contract_id, k->id, sizeof f->option_contract_id);
    f->option_type[0] = k->is_call ? 'C' : 'P';
    f->option_type[1] = '\0';
  }
  f->dte_days = dte_min;
  if (!isnan(spot) && spot > 0) {
    f->moneyness = mny_sum / size;
    f->atm_proximity = atm_sum / size;
    ev->otm = otm_sum / size;
  }
  f->aggressor_buy_ratio = buy / size;
  f->aggressor_sell_ratio = sell / size;
  f->aggressor_ratio = (buy - sell) / size;
  f->nbbo_coverage_ratio = cov / n;
  f->nbbo_inside_ratio = cov > 0 ? inside / cov : SF_NULL;
  f->nbbo_stale_ratio = stale / n;
  f->quote_age_ms = age_n > 0 ? age_sum / age_n : SF_NULL;
  f->venue_count = (double)n_venues;
  f->inter_fill_ms_mean = n > 1 ? f->window_ms / (n - 1) : SF_NULL;
  f->strike_count = (double)n_strikes;
  double smax = 0;
  for (size_t i = 0; i < n_strikes; i++)
    if (strike_size[i] > smax) smax = strike_size[i];
  f->strike_concentration = smax / size;
  const char *sname = sf_structure_name(g->structure);
  if (sname) {
    size_t l = strnlen(sname, sizeof f->structure_type - 1);
    memcpy(f->structure_type, sname, l);
    f->structure_type[l] = '\0';
  }
  f->structure_legs = (double)g->n;
  f->same_size_leg_symmetry = g->structure != SF_STRUCT_NONE ? g->symmetry : SF_NULL;
  f->net_directional_bias = bias_den > 0 ? bias_num / bias_den : SF_NULL;
  f->synthetic_iv_shock = ivs_w > 0 ? ivs_sum / ivs_w : SF_NULL;
  f->spread_widening = spw_w > 0 ? spw_sum / spw_w : SF_NULL;
  f->underlying_move_bps = move;
  f->special_print_ratio = special / size;
  f->iso_ratio = iso / size;
  f->complex_ratio = cplx / size;
  f->avg_fill_size = size / n;
  f->net_delta_notional = dn_n > 0 ? dn_sum : SF_NULL;
  if (e->cfg.oi_lookup) {
    int y, m, d, hh, mm, ss;
    sf_ny_local(start, &y, &m, &d, &hh, &mm, &ss);
    for (size_t i = 0; i < n_contracts; i++) {
      int64_t oi = contract_oi(e, contracts[i], y, m, d);
      if (oi < 0) continue;
      double r = contract_size[i] / (double)(oi > 0 ? oi : 1);
      if (isnan(f->vol_oi_ratio) || r > f->vol_oi_ratio) f->vol_oi_ratio = r;
    }
  }

  if (e->cfg.calendar) {
    const struct sf_calendar_event *ce = sf_calendar_next(e->cfg.calendar, e->book.und[g->und].id, start);
    if (ce) {
      f->days_to_event = (double)(ce->event_ns - start) / DAY_NS;
      f->expiry_after_event = front_expiry >= ce->event_ns ? 1 : 0;
      double in_window = 0;
      int64_t horizon = ce->event_ns + (int64_t)(e->rules.event_expiry_days * DAY_NS);
      for (uint32_t li = 0; li < g->n; li++) {
        const struct sf_cluster *c = &pl->c[g->clusters[li]];
        int64_t x = e->book.ctr[c->contract].expiry_ns;
        if (x >= ce->event_ns && x <= horizon) in_window += (double)c->size;
      }
      f->pre_event_concentration = in_window / size;
    }
  }

  ev->rel_spread_mean = rsp_n > 0 ? rsp_sum / rsp_n : SF_NULL;
  ev->sweep_share = sweep / size;
  ev->block_share = block / size;
  ev->aggressive_share = aggressive / size;
  ev->stock_tie_share = tie / size;
  ev->buy = buy;
  ev->sell = sell;
  ev->total = size;
  ev->spot = spot;
  ev->dte_min = dte_min;
  ev->abs_delta = adelta_w > 0 ? adelta / adelta_w : SF_NULL;
}
