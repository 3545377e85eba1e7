#!/usr/bin/env node
/* A stand-in for the smartflow API, for developing and testing the web terminal without the
 * engine. Node built-ins only: `http` for the routes and static files, and the WebSocket
 * protocol (RFC 6455 handshake, framing, masking, ping/pong, close) written by hand over the
 * upgraded socket with `crypto` for the accept key.
 *
 * It serves web/ at `/`, answers the routes the terminal uses (`/health`,
 * `/flow/smart-money` with its filters, `/flow/smart-money/{id}`, `/stats/profiles`,
 * `/history/smart-money`, `/replay/smart-money`, `/flow/alerts`) in the shapes of
 * shared/CONTRACTS.md, and streams made-up smart-money events and alerts on the multiplexed
 * `/ws/live` (ready, heartbeat, snapshot, event, error). The data is deterministic for a seed:
 * six profiles with plausible features, reasons and member prints, abstentions and guards.
 *
 *   node web/dev/mock_server.mjs [--port 8099] [--host 127.0.0.1] [--rate 10] [--history 3000]
 *                                [--seed 7] [--token T] [--drop-ws-every S] [--quiet]
 *
 * `--rate` is smart-money events per second on the live stream (0 = none). `--token` makes
 * every API route and the WebSocket demand `Authorization: Bearer T` or `?token=T`.
 * `--drop-ws-every S` closes every WebSocket each S seconds to exercise reconnection. */

import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/* ---------- options ---------- */

function parseArgs(argv) {
  const o = { port: 8099, host: '127.0.0.1', rate: 10, history: 3000, seed: 7, token: '', dropWsEvery: 0, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const need = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    const numArg = (name) => {
      const v = Number(need());
      if (!Number.isFinite(v) || v < 0) usage(`${name} must be a number >= 0`);
      return v;
    };
    if (a === '--port') o.port = numArg('--port');
    else if (a === '--host') o.host = need();
    else if (a === '--rate') o.rate = numArg('--rate');
    else if (a === '--history') o.history = Math.floor(numArg('--history'));
    else if (a === '--seed') o.seed = Math.floor(numArg('--seed'));
    else if (a === '--token') o.token = need();
    else if (a === '--drop-ws-every') o.dropWsEvery = numArg('--drop-ws-every');
    else if (a === '--quiet') o.quiet = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: mock_server.mjs [--port N] [--host H] [--rate EV/S] [--history N] [--seed N] [--token T] [--drop-ws-every S] [--quiet]\n');
      process.exit(0);
    } else usage(`unknown option ${a}`);
  }
  return o;
}

function usage(msg) {
  process.stderr.write(`mock_server: ${msg}\n`);
  process.exit(2);
}

const opt = parseArgs(process.argv.slice(2));
const log = (...a) => {
  if (!opt.quiet) console.error('[mock]', ...a);
};

/* ---------- deterministic data ---------- */

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = mulberry32(opt.seed);
const uni = (a, b) => a + (b - a) * rnd();
const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
const chance = (p) => rnd() < p;
function weighted(pairs) {
  let s = 0;
  for (const [, w] of pairs) s += w;
  let r = rnd() * s;
  for (const [v, w] of pairs) {
    r -= w;
    if (r <= 0) return v;
  }
  return pairs[pairs.length - 1][0];
}
function pickN(arr, n) {
  const c = arr.slice();
  const out = [];
  while (out.length < n && c.length) out.push(c.splice(Math.floor(rnd() * c.length), 1)[0]);
  return out;
}

const UNDERLYINGS = [
  ['SPY', 561, true], ['QQQ', 482, true], ['IWM', 211, true], ['AAPL', 226, false], ['NVDA', 121, false],
  ['TSLA', 248, false], ['AMZN', 186, false], ['META', 522, false], ['MSFT', 418, false], ['AMD', 152, false],
  ['GOOGL', 166, false], ['NFLX', 684, false], ['COIN', 207, false], ['PLTR', 38.4, false], ['SMCI', 44.8, false],
  ['BA', 171, false], ['XLF', 44.2, true], ['MSTR', 182, false], ['BRK-B', 452, false], ['UBER', 71.3, false],
];
const VENUES = ['CBOE', 'ISE', 'PHLX', 'AMEX', 'ARCA', 'BOX', 'MIAX', 'GEMX', 'NOM', 'BZX', 'C2', 'EDGX', 'MRX', 'PEARL', 'EMLD', 'MEMX'];

const PROFILE_IDS = ['institutional_directional', 'retail_whale', 'event_driven', 'vol_seller', 'arbitrage', 'hedge_reactive'];
const REASONS = {
  institutional_directional: ['iso_sweep_at_ask', 'multi_venue_sweep', 'large_premium', 'tight_spread', 'near_the_money', 'dte_weeks_to_months', 'repeated_hits', 'block_at_ask', 'urgent_fill_pace'],
  retail_whale: ['short_dated_otm', 'small_lot_burst', 'iv_pop', 'calls_heavy', 'burst_seconds', 'premium_below_institutional'],
  event_driven: ['earnings_within_days', 'expiry_after_earnings', 'expiry_concentration', 'iv_pressure_pre_event', 'spread_pressure_pre_event'],
  vol_seller: ['sell_side_aggression', 'straddle_sold', 'strangle_sold', 'neutral_delta', 'at_bid_fills'],
  arbitrage: ['legs_matched_size', 'symmetric_structure', 'mid_prints', 'complex_order_condition', 'near_zero_net_delta', 'stock_option_tie'],
  hedge_reactive: ['dte_0_2', 'near_atm', 'follows_underlying_move', 'large_size', 'two_sided_book'],
};
const SUPPRESS = {
  stale: 'stale_or_missing_quotes', complex: 'complex_leg_guard', frenzy: 'retail_frenzy_directional_suppressed',
  hedge: 'hedge_context_0dte_atm', arb: 'arbitrage_symmetry', special: 'special_print_auction_cross', weak: 'weak_evidence',
};
const STRUCTS = {
  vol_seller: [['straddle', 2], ['strangle', 2]],
  arbitrage: [['vertical', 2], ['butterfly', 3], ['conversion', 2], ['box', 4], ['condor', 4]],
  institutional_directional: [['vertical', 2], ['risk_reversal', 2], ['calendar', 2]],
  event_driven: [['calendar', 2], ['straddle', 2]],
};

function strikeStep(spot) {
  return spot < 25 ? 0.5 : spot < 200 ? 1 : spot < 500 ? 2.5 : 5;
}
function roundStrike(x, spot) {
  const s = strikeStep(spot);
  return Math.max(s, Math.round(x / s) * s);
}
function fmtStrike(k) {
  return String(Number(k.toFixed(3)));
}
function expiryFor(ts, dte) {
  const d = new Date(ts + dte * 86400000);
  if (dte > 3) {
    const dow = d.getUTCDay();
    d.setUTCDate(d.getUTCDate() + ((5 - dow + 7) % 7));
  }
  return d.toISOString().slice(0, 10);
}
function optPrice(spot, strike, right, dte, iv) {
  const intrinsic = right === 'C' ? Math.max(0, spot - strike) : Math.max(0, strike - spot);
  const tv = spot * iv * Math.sqrt(Math.max(dte, 0.05) / 365) * 0.4 * Math.exp(-Math.abs(strike - spot) / (spot * iv * Math.sqrt(Math.max(dte, 0.05) / 365) + 1e-9) * 0.6);
  return Math.max(0.01, +(intrinsic + tv).toFixed(2));
}
function deltaOf(spot, strike, right, dte, iv) {
  const sd = spot * iv * Math.sqrt(Math.max(dte, 0.05) / 365) + 1e-9;
  const z = (spot - strike) / sd;
  const n = 1 / (1 + Math.exp(-1.7 * z));
  return right === 'C' ? +n.toFixed(3) : +(n - 1).toFixed(3);
}
const sha = (s) => crypto.createHash('sha1').update(s).digest('hex');

let seqCounter = 1;

function makeEvent(ts) {
  const [und, spot0, isEtf] = pick(UNDERLYINGS);
  const spot = +(spot0 * uni(0.985, 1.015)).toFixed(2);
  const abstain = chance(0.11);
  const prof = weighted([['institutional_directional', 26], ['retail_whale', 22], ['event_driven', 12], ['vol_seller', 14], ['arbitrage', 12], ['hedge_reactive', 14]]);
  let dte;
  let multi = false;
  let right = chance(0.58) ? 'C' : 'P';
  let side = 'buy';
  let premium;
  let otm;
  let nPrints;
  let structure = null;
  let legs = 1;
  switch (prof) {
    case 'institutional_directional':
      dte = uni(14, 120); otm = uni(-0.03, 0.06); premium = Math.exp(uni(Math.log(2.5e5), Math.log(9e6))); nPrints = Math.floor(uni(3, 14));
      side = chance(0.8) ? 'buy' : 'sell'; multi = chance(0.15); break;
    case 'retail_whale':
      dte = chance(0.4) ? uni(0.1, 1) : uni(1, 7); otm = uni(0.03, 0.15); premium = Math.exp(uni(Math.log(4e4), Math.log(9e5))); nPrints = Math.floor(uni(10, 60));
      right = chance(0.75) ? 'C' : 'P'; side = 'buy'; break;
    case 'event_driven':
      dte = uni(3, 21); otm = uni(0, 0.08); premium = Math.exp(uni(Math.log(1e5), Math.log(3e6))); nPrints = Math.floor(uni(2, 12)); multi = chance(0.2); break;
    case 'vol_seller':
      dte = uni(5, 45); otm = uni(0, 0.05); premium = Math.exp(uni(Math.log(1.5e5), Math.log(4e6))); nPrints = Math.floor(uni(2, 10)); side = 'sell'; multi = chance(0.75); break;
    case 'arbitrage':
      dte = uni(7, 90); otm = uni(-0.02, 0.03); premium = Math.exp(uni(Math.log(1e5), Math.log(5e6))); nPrints = Math.floor(uni(2, 8)); side = 'mid'; multi = true; break;
    default:
      dte = chance(0.5) ? uni(0.05, 1) : uni(1, 2.5); otm = uni(-0.006, 0.006); premium = Math.exp(uni(Math.log(2e5), Math.log(6e6))); nPrints = Math.floor(uni(3, 18));
      side = chance(0.5) ? 'buy' : 'sell'; break;
  }
  if (multi) {
    const [st, nl] = pick(STRUCTS[prof] || [['vertical', 2]]);
    structure = st;
    legs = nl;
  }
  const iv = +(uni(0.18, 0.75) + (prof === 'retail_whale' ? 0.2 : 0)).toFixed(4);
  const expiry = expiryFor(ts, dte);
  const sign = right === 'C' ? 1 : -1;
  const baseStrike = roundStrike(spot * (1 + sign * otm), spot);
  const legSpecs = [];
  for (let l = 0; l < legs; l++) {
    let r = right;
    let k = baseStrike;
    if (structure === 'straddle') r = l === 0 ? 'C' : 'P';
    else if (structure === 'strangle') { r = l === 0 ? 'C' : 'P'; k = roundStrike(spot * (l === 0 ? 1.04 : 0.96), spot); }
    else if (structure === 'risk_reversal') { r = l === 0 ? 'C' : 'P'; k = roundStrike(spot * (l === 0 ? 1.05 : 0.95), spot); }
    else if (structure === 'conversion') { r = l === 0 ? 'C' : 'P'; }
    else k = roundStrike(baseStrike + l * strikeStep(spot) * (structure === 'box' ? 4 * (l % 2) : 2) * sign, spot);
    const exp = structure === 'calendar' && l === 1 ? expiryFor(ts, dte + 28) : expiry;
    legSpecs.push({ id: `${und}-${exp}-${fmtStrike(k)}-${r}`, strike: k, right: r, dte: structure === 'calendar' && l === 1 ? dte + 28 : dte });
  }

  /* member prints */
  const windowMs = Math.round(prof === 'retail_whale' ? uni(2000, 45000) : uni(5, 900));
  const startTs = ts - windowMs;
  const prints = [];
  const venues = pickN(VENUES, Math.max(1, Math.min(VENUES.length, Math.round(uni(1, prof === 'institutional_directional' ? 9 : 4)))));
  const stale = abstain && chance(0.6);
  let totalSize = 0;
  let totalPrem = 0;
  let buyCnt = 0;
  let sellCnt = 0;
  let inside = 0;
  let staleCnt = 0;
  const perPrint = premium / nPrints;
  for (let i = 0; i < nPrints; i++) {
    const leg = legSpecs[i % legSpecs.length];
    const mid = optPrice(spot, leg.strike, leg.right, leg.dte, iv);
    const spread = Math.max(0.01, +(mid * uni(0.01, 0.06)).toFixed(2));
    const bid = Math.max(0, +(mid - spread / 2).toFixed(2));
    const ask = +(bid + spread).toFixed(2);
    let ns;
    let px;
    if (stale && chance(0.7)) {
      ns = chance(0.5) ? 'STALE' : 'MISSING';
      px = mid;
      staleCnt++;
    } else if (side === 'buy') {
      ns = chance(0.2) ? 'AA' : chance(0.85) ? 'A' : 'MID';
      px = ns === 'AA' ? +(ask + 0.01).toFixed(2) : ns === 'A' ? ask : +((bid + ask) / 2).toFixed(2);
    } else if (side === 'sell') {
      ns = chance(0.15) ? 'BB' : chance(0.85) ? 'B' : 'MID';
      px = ns === 'BB' ? Math.max(0.01, +(bid - 0.01).toFixed(2)) : ns === 'B' ? bid : +((bid + ask) / 2).toFixed(2);
    } else {
      ns = chance(0.8) ? 'MID' : pick(['A', 'B']);
      px = ns === 'MID' ? +((bid + ask) / 2).toFixed(2) : ns === 'A' ? ask : bid;
    }
    px = Math.max(0.01, px);
    const size = Math.max(1, Math.round(perPrint / (px * 100) * uni(0.6, 1.4)));
    const pts = Math.round(startTs + (windowMs * i) / Math.max(1, nPrints - 1));
    const conds = [];
    if (multi) conds.push(chance(0.6) ? 'COMPLEX' : 'SPREAD');
    else if (prof === 'institutional_directional' && chance(0.8)) conds.push('ISO', ...(venues.length > 2 ? ['SWEEP'] : []));
    else if (chance(0.05)) conds.push(pick(['AUCTION', 'CROSS', 'LATE']));
    else conds.push('FILL');
    if (ns === 'A' || ns === 'AA') buyCnt++;
    if (ns === 'B' || ns === 'BB') sellCnt++;
    if (ns === 'MID') inside++;
    const notional = +(px * size * 100).toFixed(2);
    totalSize += size;
    totalPrem += notional;
    const quoteAge = ns === 'STALE' ? Math.round(uni(1200, 9000)) : Math.round(uni(1, 400));
    const traceId = `op_${sha(`${ts}:${i}:${leg.id}:${rnd()}`).slice(0, 20)}`;
    prints.push({
      source_ts: pts, ingest_ts: pts + Math.round(uni(1, 5)), seq: seqCounter * 100 + i, trace_id: traceId,
      ts: pts, option_contract_id: leg.id, price: px, size, exchange: pick(venues), conditions: conds,
      underlying_id: und, option_type: leg.right === 'C' ? 'call' : 'put', notional,
      nbbo_side: ns,
      execution_nbbo_bid: ns === 'MISSING' ? null : bid, execution_nbbo_ask: ns === 'MISSING' ? null : ask,
      execution_nbbo_mid: ns === 'MISSING' ? null : +((bid + ask) / 2).toFixed(3), execution_nbbo_spread: ns === 'MISSING' ? null : spread,
      execution_nbbo_bid_size: ns === 'MISSING' ? null : Math.round(uni(5, 500)), execution_nbbo_ask_size: ns === 'MISSING' ? null : Math.round(uni(5, 500)),
      execution_nbbo_ts: ns === 'MISSING' ? null : pts - quoteAge, execution_nbbo_age_ms: ns === 'MISSING' ? null : quoteAge,
      execution_nbbo_side: ns,
      execution_underlying_spot: spot, execution_underlying_bid: +(spot - 0.01).toFixed(2), execution_underlying_ask: +(spot + 0.01).toFixed(2),
      execution_iv: +(iv * uni(0.97, 1.03)).toFixed(4), execution_iv_source: 'model',
      delta: deltaOf(spot, leg.strike, leg.right, leg.dte, iv), is_etf: isEtf,
      aggressor: ns === 'A' || ns === 'AA' ? 'buy' : ns === 'B' || ns === 'BB' ? 'sell' : 'unknown',
    });
  }
  const memberIds = prints.map((p) => p.trace_id);
  const eventId = `sm_${sha(memberIds.join(','))}`.slice(0, 27);

  /* scores */
  const primaryP = abstain ? uni(0.18, 0.38) : uni(0.46, 0.96);
  const raw = PROFILE_IDS.map((id) => (id === prof ? primaryP : uni(0.01, abstain ? 0.35 : Math.min(0.42, primaryP * 0.7))));
  const band = (p) => (p >= 0.7 ? 'high' : p >= 0.45 ? 'medium' : 'low');
  const dirFor = (id) => {
    if (id === 'vol_seller' || id === 'arbitrage') return 'neutral';
    if (structure === 'straddle' || structure === 'strangle') return 'neutral';
    if (structure === 'risk_reversal' || structure === 'calendar') return chance(0.5) ? 'mixed' : 'bullish';
    if (side === 'mid') return 'unknown';
    const bullish = (right === 'C') === (side === 'buy');
    return bullish ? 'bullish' : 'bearish';
  };
  const scores = PROFILE_IDS.map((id, i) => ({
    profile_id: id, probability: +raw[i].toFixed(4), confidence_band: band(raw[i]), direction: stale ? 'unknown' : dirFor(id),
    reasons: id === prof ? pickN(REASONS[id], Math.round(uni(2, 4))) : pickN(REASONS[id], raw[i] > 0.2 ? 1 : chance(0.4) ? 1 : 0),
  })).sort((a, b) => b.probability - a.probability);
  const suppressed = [];
  if (abstain) suppressed.push(stale ? SUPPRESS.stale : SUPPRESS.weak);
  if (multi && prof !== 'arbitrage') suppressed.push(SUPPRESS.complex);
  if (prof === 'retail_whale' && chance(0.5)) suppressed.push(SUPPRESS.frenzy);
  if (prof === 'hedge_reactive' && chance(0.6)) suppressed.push(SUPPRESS.hedge);
  if (prof === 'arbitrage') suppressed.push(SUPPRESS.arb);
  if (prints.some((p) => p.conditions.includes('AUCTION') || p.conditions.includes('CROSS'))) suppressed.push(SUPPRESS.special);

  const n = prints.length;
  const strikes = new Set(legSpecs.map((l) => l.strike));
  const daysToEvent = prof === 'event_driven' ? +uni(0.5, Math.max(1, dte - 1)).toFixed(2) : chance(0.2) ? +uni(10, 60).toFixed(1) : null;
  const features = {
    contract_count: legSpecs.length, print_count: n, total_size: totalSize, total_premium: +totalPrem.toFixed(2),
    total_notional: +(totalSize * spot * 100).toFixed(2), start_ts: startTs, end_ts: ts, window_ms: windowMs,
    option_contract_id: multi ? null : legSpecs[0].id, option_type: multi ? null : legSpecs[0].right,
    dte_days: +dte.toFixed(3), moneyness: +(baseStrike / spot).toFixed(4), atm_proximity: +(Math.abs(baseStrike - spot) / spot).toFixed(4),
    aggressor_buy_ratio: +(buyCnt / n).toFixed(4), aggressor_sell_ratio: +(sellCnt / n).toFixed(4),
    aggressor_ratio: +((buyCnt - sellCnt) / n).toFixed(4),
    nbbo_coverage_ratio: +((n - staleCnt) / n).toFixed(4), nbbo_inside_ratio: +(inside / n).toFixed(4),
    nbbo_stale_ratio: +(staleCnt / n).toFixed(4), quote_age_ms: stale ? Math.round(uni(1500, 8000)) : Math.round(uni(5, 300)),
    venue_count: new Set(prints.map((p) => p.exchange)).size,
    inter_fill_ms_mean: n > 1 ? +(windowMs / (n - 1)).toFixed(2) : null,
    strike_count: strikes.size, strike_concentration: +(1 / strikes.size).toFixed(4),
    structure_type: structure, structure_legs: multi ? legs : null,
    same_size_leg_symmetry: multi ? +uni(prof === 'arbitrage' ? 0.9 : 0.4, 1).toFixed(3) : null,
    net_directional_bias: +(side === 'mid' || structure === 'straddle' || structure === 'strangle' ? uni(-0.12, 0.12) : (side === 'buy' ? 1 : -1) * (right === 'C' ? 1 : -1) * uni(0.3, 1)).toFixed(3),
    synthetic_iv_shock: +uni(-0.02, 0.08).toFixed(4), spread_widening: +uni(0.8, 1.6).toFixed(3),
    underlying_move_bps: +(prof === 'hedge_reactive' ? uni(-90, 90) : uni(-20, 20)).toFixed(1),
    days_to_event: daysToEvent, expiry_after_event: daysToEvent === null ? null : daysToEvent < dte,
    pre_event_concentration: prof === 'event_driven' ? +uni(0.4, 0.95).toFixed(3) : null,
    special_print_ratio: +(prints.filter((p) => p.conditions.some((c) => ['AUCTION', 'CROSS', 'LATE'].includes(c))).length / n).toFixed(4),
  };
  const seq = seqCounter++;
  const event = {
    source_ts: ts, ingest_ts: ts + Math.round(uni(2, 40)), seq, trace_id: `tr_${eventId.slice(3, 19)}_${seq}`,
    event_id: eventId, packet_ids: [`pk_${sha(eventId).slice(0, 16)}`], member_print_ids: memberIds,
    underlying_id: und, event_kind: multi ? 'multi_leg_event' : 'single_leg_event', event_window_ms: windowMs,
    features, profile_scores: scores,
    primary_profile_id: abstain ? null : prof, primary_direction: abstain ? 'unknown' : scores.find((s) => s.profile_id === prof).direction,
    abstained: abstain, suppressed_reasons: suppressed,
  };
  const packets = [{
    source_ts: ts, ingest_ts: ts + 1, seq, trace_id: `tp_${seq}`, id: event.packet_ids[0], members: memberIds,
    features: { underlying_id: und, print_count: n, structure: structure || 'single' },
    join_quality: { nbbo_coverage: features.nbbo_coverage_ratio, max_quote_age_ms: features.quote_age_ms, clock_skew_ms: +uni(0, 3).toFixed(2) },
  }];
  let alert = null;
  const top = scores.find((s) => s.profile_id === prof);
  if (!abstain && top.probability >= 0.7) {
    const score = Math.round(top.probability * 100);
    alert = {
      source_ts: ts, ingest_ts: ts + 2, seq, trace_id: `al_${eventId.slice(3, 19)}`,
      score, severity: score >= 88 ? 'high' : score >= 78 ? 'medium' : 'low',
      hits: [{ source_ts: ts, ingest_ts: ts + 2, seq, trace_id: `ch_${eventId.slice(3, 19)}`, classifier_id: `smart_money_${prof}`, confidence: top.probability, direction: top.direction, explanations: top.reasons }],
      evidence_refs: [eventId, ...memberIds.slice(0, 3)], primary_profile_id: prof, profile_scores: scores, underlying_id: und,
    };
  }
  return { event, prints, packets, alert };
}

/* ---------- store ---------- */

const events = []; /* ascending by (source_ts, seq) */
const byId = new Map();
const alerts = [];
const CAP = 60000;

function keep(rec) {
  events.push(rec.event);
  byId.set(rec.event.event_id, rec);
  if (rec.alert) alerts.push(rec.alert);
  if (events.length > CAP) {
    for (const e of events.splice(0, events.length - CAP)) byId.delete(e.event_id);
  }
  if (alerts.length > 5000) alerts.splice(0, alerts.length - 5000);
}

{
  const now = Date.now();
  const span = 3 * 3600 * 1000;
  const times = [];
  for (let i = 0; i < opt.history; i++) times.push(now - span + rnd() * span);
  times.sort((a, b) => a - b);
  for (const t of times) keep(makeEvent(Math.round(t)));
  log(`seeded ${events.length} events, ${alerts.length} alerts`);
}

const cmpKey = (a, ts, seq) => (a.source_ts !== ts ? a.source_ts - ts : a.seq - seq);

/* ---------- HTTP ---------- */

const MIME = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon' };

function send(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
const bad = (res, error, detail) => send(res, 400, { error, detail });

function authorized(req, u) {
  if (!opt.token) return true;
  const h = req.headers.authorization || '';
  return h === `Bearer ${opt.token}` || u.searchParams.get('token') === opt.token;
}

function intParam(u, name, def, min, max) {
  const raw = u.searchParams.get(name);
  if (raw === null || raw === '') return def;
  if (!/^-?\d+$/.test(raw)) throw new Error(`${name}: must be an integer`);
  const v = Number(raw);
  if (v < min || v > max) throw new Error(`${name}: must be in ${min}..${max}`);
  return v;
}
function numParam(u, name) {
  const raw = u.searchParams.get(name);
  if (raw === null || raw === '') return null;
  const v = Number(raw);
  if (!Number.isFinite(v)) throw new Error(`${name}: must be a number`);
  return v;
}

function smFilter(u) {
  const profile = u.searchParams.get('profile');
  if (profile && !PROFILE_IDS.includes(profile)) throw new Error(`profile: unknown profile "${profile}"`);
  const und = u.searchParams.get('underlying_id');
  const dir = u.searchParams.get('direction');
  if (dir && !['bullish', 'bearish', 'neutral', 'mixed', 'unknown'].includes(dir)) throw new Error(`direction: unknown direction "${dir}"`);
  const abst = u.searchParams.get('abstained');
  if (abst && abst !== 'true' && abst !== 'false') throw new Error('abstained: must be true or false');
  const minP = numParam(u, 'min_premium');
  const band = u.searchParams.get('band');
  if (band && !['low', 'medium', 'high'].includes(band)) throw new Error(`band: unknown band "${band}"`);
  return (e) => {
    if (profile && e.primary_profile_id !== profile) return false;
    if (und && e.underlying_id !== und.toUpperCase()) return false;
    if (dir && e.primary_direction !== dir) return false;
    if (abst && String(e.abstained) !== abst) return false;
    if (minP !== null && !(e.features.total_premium >= minP)) return false;
    if (band) {
      const s = e.profile_scores.find((x) => x.profile_id === e.primary_profile_id) || e.profile_scores[0];
      if (!s || s.confidence_band !== band) return false;
    }
    return true;
  };
}

function api(req, res, u) {
  const p = u.pathname;
  if (p === '/health') return send(res, 200, { status: 'ok' });
  if (!authorized(req, u)) return send(res, 401, { error: 'unauthorized', detail: 'missing or wrong bearer token' });
  const limit = intParam(u, 'limit', 200, 1, 1000);
  if (p === '/flow/smart-money') {
    const f = smFilter(u);
    const out = [];
    for (let i = events.length - 1; i >= 0 && out.length < limit; i--) if (f(events[i])) out.push(events[i]);
    return send(res, 200, { data: out });
  }
  const m = /^\/flow\/smart-money\/([^/]+)$/.exec(p);
  if (m) {
    const rec = byId.get(decodeURIComponent(m[1]));
    if (!rec) return send(res, 404, { error: 'not_found', detail: `no smart-money event ${m[1]}` });
    return send(res, 200, { data: { event: rec.event, member_prints: rec.prints, packets: rec.packets } });
  }
  if (p === '/stats/profiles') {
    const from = numParam(u, 'from_ts') ?? 0;
    const to = numParam(u, 'to_ts') ?? Number.MAX_SAFE_INTEGER;
    const acc = new Map(PROFILE_IDS.map((id) => [id, { profile_id: id, count: 0, premium: 0 }]));
    for (const e of events) {
      if (e.source_ts < from || e.source_ts > to || !e.primary_profile_id) continue;
      const r = acc.get(e.primary_profile_id);
      r.count++;
      r.premium += e.features.total_premium;
    }
    return send(res, 200, { data: [...acc.values()].map((r) => ({ ...r, premium: +r.premium.toFixed(2) })) });
  }
  if (p === '/history/smart-money') {
    const bts = intParam(u, 'before_ts', Date.now() + 1, 0, Number.MAX_SAFE_INTEGER);
    const bseq = intParam(u, 'before_seq', Number.MAX_SAFE_INTEGER, 0, Number.MAX_SAFE_INTEGER);
    const out = [];
    for (let i = events.length - 1; i >= 0 && out.length < limit; i--) if (cmpKey(events[i], bts, bseq) < 0) out.push(events[i]);
    const last = out[out.length - 1];
    return send(res, 200, { data: out, next_before: out.length === limit && last ? { ts: last.source_ts, seq: last.seq } : null });
  }
  if (p === '/replay/smart-money') {
    const ats = intParam(u, 'after_ts', 0, 0, Number.MAX_SAFE_INTEGER);
    const aseq = intParam(u, 'after_seq', 0, 0, Number.MAX_SAFE_INTEGER);
    const out = [];
    for (let i = 0; i < events.length && out.length < limit; i++) if (cmpKey(events[i], ats, aseq) > 0) out.push(events[i]);
    const last = out[out.length - 1];
    return send(res, 200, { data: out, next: out.length === limit && last ? { ts: last.source_ts, seq: last.seq } : null });
  }
  if (p === '/flow/alerts') {
    return send(res, 200, { data: alerts.slice(-limit).reverse() });
  }
  return send(res, 404, { error: 'not_found', detail: `no route ${p}` });
}

function serveStatic(req, res, u) {
  let rel = decodeURIComponent(u.pathname);
  if (rel === '/') rel = '/index.html';
  const file = path.normalize(path.join(WEB_ROOT, rel));
  if (!file.startsWith(WEB_ROOT + path.sep)) return send(res, 403, { error: 'forbidden', detail: 'path outside web root' });
  fs.readFile(file, (err, data) => {
    if (err) return send(res, 404, { error: 'not_found', detail: `no file ${rel}` });
    res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-cache' });
    res.end(data);
  });
}

const API_PREFIXES = ['/health', '/flow/', '/stats/', '/history/', '/replay/'];
const server = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method_not_allowed', detail: req.method });
  try {
    if (API_PREFIXES.some((x) => u.pathname === x || u.pathname.startsWith(x))) return api(req, res, u);
    return serveStatic(req, res, u);
  } catch (e) {
    return bad(res, 'bad_request', e.message);
  }
});

/* ---------- WebSocket (RFC 6455) ---------- */

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const clients = new Set();

function frame(opcode, payload) {
  const len = payload.length;
  let head;
  if (len < 126) {
    head = Buffer.alloc(2);
    head[1] = len;
  } else if (len < 65536) {
    head = Buffer.alloc(4);
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else {
    head = Buffer.alloc(10);
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  head[0] = 0x80 | opcode;
  return Buffer.concat([head, payload]);
}

class WsClient {
  constructor(socket) {
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    this.frag = [];
    this.fragOp = 0;
    this.subs = new Set();
    this.open = true;
    socket.on('data', (d) => this.onData(d));
    socket.on('close', () => this.drop());
    socket.on('error', () => this.drop());
    this.hb = setInterval(() => this.sendJSON({ op: 'heartbeat', ts: Date.now() }), 15000);
  }

  drop() {
    if (!this.open) return;
    this.open = false;
    clearInterval(this.hb);
    clients.delete(this);
    this.socket.destroy();
  }

  sendJSON(obj) {
    if (!this.open) return;
    this.socket.write(frame(0x1, Buffer.from(JSON.stringify(obj))));
  }

  close(code = 1000) {
    if (!this.open) return;
    const p = Buffer.alloc(2);
    p.writeUInt16BE(code, 0);
    this.socket.write(frame(0x8, p));
    this.socket.end();
    this.drop();
  }

  onData(d) {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      if (this.buf.length < 2) return;
      const b0 = this.buf[0];
      const b1 = this.buf[1];
      const fin = (b0 & 0x80) !== 0;
      const op = b0 & 0x0f;
      const masked = (b1 & 0x80) !== 0;
      let len = b1 & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        const big = this.buf.readBigUInt64BE(2);
        if (big > 1n << 24n) return this.close(1009);
        len = Number(big);
        off = 10;
      }
      if (!masked) return this.close(1002); /* clients must mask */
      if (this.buf.length < off + 4 + len) return;
      const mask = this.buf.subarray(off, off + 4);
      const payload = Buffer.from(this.buf.subarray(off + 4, off + 4 + len));
      for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
      this.buf = this.buf.subarray(off + 4 + len);
      if (op === 0x8) return this.close(1000);
      if (op === 0x9) {
        this.socket.write(frame(0xa, payload));
        continue;
      }
      if (op === 0xa) continue;
      if (op === 0x1 || op === 0x2) {
        this.fragOp = op;
        this.frag = [payload];
      } else if (op === 0x0) {
        this.frag.push(payload);
      } else return this.close(1002);
      if (fin) {
        const msg = Buffer.concat(this.frag).toString('utf8');
        this.frag = [];
        if (this.fragOp === 0x1) this.onMessage(msg);
      }
    }
  }

  onMessage(text) {
    let m;
    try {
      m = JSON.parse(text);
    } catch (e) {
      return this.sendJSON({ op: 'error', message: 'message is not JSON' });
    }
    if (m.op === 'ping') return this.sendJSON({ op: 'heartbeat', ts: Date.now() });
    if (m.op === 'subscribe' || m.op === 'unsubscribe') {
      if (!Array.isArray(m.subscriptions)) return this.sendJSON({ op: 'error', message: 'subscriptions: must be an array' });
      for (const s of m.subscriptions) {
        const ch = s && s.channel;
        if (!['smart-money', 'alerts', 'options', 'nbbo', 'equity-quotes', 'flow', 'classifier-hits'].includes(ch)) {
          this.sendJSON({ op: 'error', message: `unknown channel "${ch}"` });
          continue;
        }
        if (m.op === 'unsubscribe') {
          this.subs.delete(ch);
          continue;
        }
        this.subs.add(ch);
        this.sendJSON({ op: 'snapshot', snapshot: snapshot(ch) });
      }
      return undefined;
    }
    return this.sendJSON({ op: 'error', message: `unknown op "${m.op}"` });
  }
}

function snapshot(ch) {
  const src = ch === 'smart-money' ? events : ch === 'alerts' ? alerts : [];
  const items = src.slice(-200).reverse();
  const newest = items[0];
  const oldest = items[items.length - 1];
  return {
    subscription: ch, items,
    watermark: newest ? { ts: newest.source_ts, seq: newest.seq } : null,
    next_before: oldest && src.length > items.length ? { ts: oldest.source_ts, seq: oldest.seq } : null,
  };
}

server.on('upgrade', (req, socket) => {
  const u = new URL(req.url, 'http://localhost');
  const key = req.headers['sec-websocket-key'];
  if (u.pathname !== '/ws/live' || !key || String(req.headers.upgrade).toLowerCase() !== 'websocket') {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    return;
  }
  if (!authorized(req, u)) {
    socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
    return;
  }
  const accept = crypto.createHash('sha1').update(key + GUID).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  socket.setNoDelay(true);
  const c = new WsClient(socket);
  clients.add(c);
  c.sendJSON({ op: 'ready' });
});

function broadcast(ch, item) {
  const msg = { op: 'event', subscription: ch, item, watermark: { ts: item.source_ts, seq: item.seq } };
  for (const c of clients) if (c.subs.has(ch)) c.sendJSON(msg);
}

/* live stream: a fractional carry gives the exact mean rate with 20 ms granularity */
if (opt.rate > 0) {
  let carry = 0;
  setInterval(() => {
    carry += opt.rate * 0.02 * (0.5 + rnd());
    while (carry >= 1) {
      carry -= 1;
      const rec = makeEvent(Date.now());
      keep(rec);
      broadcast('smart-money', rec.event);
      if (rec.alert) broadcast('alerts', rec.alert);
    }
  }, 20);
}
if (opt.dropWsEvery > 0) {
  setInterval(() => {
    for (const c of [...clients]) c.drop();
  }, opt.dropWsEvery * 1000);
}

server.listen(opt.port, opt.host, () => {
  const a = server.address();
  /* the first stdout line is machine-readable for scripts that start the mock */
  console.log(`listening http://${a.address}:${a.port}/`);
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const c of [...clients]) c.close(1001);
    server.close();
    process.exit(0);
  });
}
