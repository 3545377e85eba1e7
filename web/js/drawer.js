/* The detail drawer for one smart-money event. It draws at once from the event already held
 * (summary, six-profile ladder with reasons, suppression reasons, features) and then fetches
 * `/flow/smart-money/{event_id}` for the member prints (with their NBBO side, bid/ask at
 * execution, size, price, venue, conditions) and the flow packets; a newer copy of the event
 * in that answer replaces the first drawing. Switching events aborts the previous fetch. */

import {
  el, profileInfo, directionInfo, money, int, num, pct, price, timeET, dateTimeET, contractShort,
  structureLabel, humanize, isNum, eventKey, PROFILES,
} from './format.js';
import { smartMoneyDetail } from './api.js';

const FEATURE_FORMAT = {
  total_premium: money, total_notional: money, net_delta_notional: money,
  start_ts: (v) => dateTimeET(v), end_ts: (v) => dateTimeET(v),
  contract_count: int, print_count: int, total_size: int, venue_count: int, strike_count: int,
  structure_legs: int,
  window_ms: (v) => (isNum(v) ? `${int(v)} ms` : '—'),
  quote_age_ms: (v) => (isNum(v) ? `${int(v)} ms` : '—'),
  inter_fill_ms_mean: (v) => (isNum(v) ? `${num(v, 1)} ms` : '—'),
  dte_days: (v) => (isNum(v) ? `${num(v, 2)} d` : '—'),
  days_to_event: (v) => (isNum(v) ? `${num(v, 1)} d` : '—'),
  moneyness: (v) => num(v, 3),
  atm_proximity: (v) => pct(v, 2),
  underlying_move_bps: (v) => (isNum(v) ? `${num(v, 1)} bps` : '—'),
  net_directional_bias: (v) => (isNum(v) ? (v > 0 ? '+' : '') + num(v, 2) : '—'),
  synthetic_iv_shock: (v) => num(v, 3),
  spread_widening: (v) => num(v, 3),
  avg_fill_size: (v) => num(v, 1),
  vol_oi_ratio: (v) => num(v, 2),
  option_contract_id: (v) => (v ? contractShort(v) : '—'),
};

function featureValue(name, v) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (FEATURE_FORMAT[name]) return FEATURE_FORMAT[name](v);
  if (typeof v === 'number') {
    if (/_ratio$|_concentration$|_symmetry$/.test(name)) return pct(v, 1);
    return Number.isInteger(v) ? int(v) : num(v, 3);
  }
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

const SIDE_CLASS = { AA: 'buy2', A: 'buy', MID: 'mid', B: 'sell', BB: 'sell2', MISSING: 'warn', STALE: 'warn' };

export class Drawer {
  constructor(root, { onClose }) {
    this.root = root;
    this.onClose = onClose;
    this.eventId = null;
    this.ctl = null;
    this.fetchTimer = null;
    this.detail = null;
  }

  isOpen() {
    return !this.root.hidden;
  }

  close() {
    if (this.ctl) this.ctl.abort();
    clearTimeout(this.fetchTimer);
    this.root.hidden = true;
    this.eventId = null;
    document.body.classList.remove('drawer-open');
    if (this.onClose) this.onClose();
  }

  /* Shows event `e` (may be null when only the id is known) and loads its detail; `delayMs`
   * debounces the fetch while a trader holds j/k. */
  open(eventId, e, delayMs = 0) {
    if (this.ctl) this.ctl.abort();
    clearTimeout(this.fetchTimer);
    this.eventId = eventId;
    this.detail = null;
    this.root.hidden = false;
    document.body.classList.add('drawer-open');
    this.root.dataset.eventId = eventId;
    this.root.dataset.loaded = 'false';
    this.render(e, null, e ? 'loading' : 'loading-all');
    const go = () => this.fetch(eventId, e);
    if (delayMs) this.fetchTimer = setTimeout(go, delayMs);
    else go();
  }

  async fetch(eventId, e) {
    const ctl = new AbortController();
    this.ctl = ctl;
    try {
      /* A live event can reach the page before the batch holding it is committed to the store
       * (tens of milliseconds, seconds on a loaded machine): a 404 is retried for about 10 s
       * (pauses of 0.1 s growing to 1 s) before it is believed. */
      let body = null;
      for (let attempt = 0; ; attempt++) {
        try {
          body = await smartMoneyDetail(eventId, { signal: ctl.signal });
          break;
        } catch (err) {
          if (err.status !== 404 || attempt >= 15 || ctl.signal.aborted) throw err;
          await new Promise((r) => setTimeout(r, Math.min(100 * (attempt + 1), 1000)));
          if (ctl.signal.aborted || this.eventId !== eventId) return;
        }
      }
      if (ctl.signal.aborted || this.eventId !== eventId) return;
      const d = (body && body.data) || null;
      if (!d) {
        this.render(e, null, 'missing');
        return;
      }
      this.detail = d;
      this.render(d.event || e, d, 'ok');
      this.root.dataset.loaded = 'true';
    } catch (err) {
      if (ctl.signal.aborted || this.eventId !== eventId) return;
      this.render(e, null, 'error', err.message);
    }
  }

  render(e, detail, status, errMsg) {
    const body = this.root.querySelector('[data-role="drawer-body"]');
    const head = this.root.querySelector('[data-role="drawer-head"]');
    if (!e) {
      head.replaceChildren(el('div', { class: 'dh-title' }, el('span', { class: 'dh-sym', text: '…' })));
      body.replaceChildren(el('div', { class: 'muted pad', text: status === 'error' ? errMsg : status === 'missing' ? 'Event not found.' : 'Loading…' }));
      return;
    }
    head.replaceChildren(...this.header(e));
    const parts = [
      this.section('Profile ladder', this.ladder(e), `${(e.profile_scores || []).length} scores`),
      this.section('Suppression', this.suppression(e)),
      this.section('Member prints', this.prints(e, detail, status, errMsg),
        detail && Array.isArray(detail.member_prints) ? `${detail.member_prints.length}` : `${(e.member_print_ids || []).length} ids`),
      this.section('Features', this.features(e)),
    ];
    if (detail && Array.isArray(detail.packets) && detail.packets.length) {
      parts.push(this.section('Flow packets', this.packets(detail.packets), `${detail.packets.length}`));
    }
    const scroll = body.scrollTop;
    body.replaceChildren(...parts);
    body.scrollTop = scroll;
  }

  header(e) {
    const f = e.features || {};
    const prof = profileInfo(e.primary_profile_id);
    const dir = directionInfo(e.primary_direction);
    const multi = e.event_kind === 'multi_leg_event';
    const what = multi ? structureLabel(f) : contractShort(f.option_contract_id);
    const { ts } = eventKey(e);
    const stat = (k, v, cls) => el('div', { class: 'stat' }, el('span', { class: 'k', text: k }), el('span', { class: `v ${cls || ''}`, text: v }));
    return [
      el('div', { class: 'dh-title' },
        el('span', { class: 'dh-sym', text: e.underlying_id || '—' }),
        el('span', { class: 'dh-what', text: what }),
        el('span', { class: 'chip big', 'data-p': prof.id, text: e.abstained ? 'ABSTAINED' : prof.short }),
        el('span', { class: `dh-dir ${dir.cls}`, text: `${dir.glyph} ${dir.label}` }),
        el('button', { type: 'button', class: 'x', title: 'Close (Esc)', 'data-testid': 'drawer-close', onclick: () => this.close(), text: '✕' })),
      el('div', { class: 'dh-sub' },
        el('span', { text: `${dateTimeET(ts)} ET` }),
        el('span', { class: 'muted', text: multi ? 'multi-leg' : 'single-leg' }),
        el('span', { class: 'mono id', title: 'event id (click to copy)', text: e.event_id, onclick: () => navigator.clipboard && navigator.clipboard.writeText(e.event_id) })),
      el('div', { class: 'stats' },
        stat('PREMIUM', money(f.total_premium), 'hi'),
        stat('SIZE', int(f.total_size)),
        stat('PRINTS', int(f.print_count)),
        stat('DTE', isNum(f.dte_days) ? num(f.dte_days, 2) : '—'),
        stat('WINDOW', isNum(e.event_window_ms) ? `${int(e.event_window_ms)}ms` : '—'),
        stat('VENUES', int(f.venue_count)),
        stat('BUY AGG', pct(f.aggressor_buy_ratio)),
        stat('NBBO COV', pct(f.nbbo_coverage_ratio))),
    ];
  }

  section(title, content, aside) {
    return el('section', { class: 'dsec' },
      el('h3', null, title, aside ? el('span', { class: 'aside', text: aside }) : null), content);
  }

  ladder(e) {
    const scores = Array.isArray(e.profile_scores) ? e.profile_scores : [];
    const wrap = el('div', { class: 'ladder', 'data-testid': 'ladder' });
    const seen = new Set(scores.map((s) => s && s.profile_id));
    /* The contract promises six; if a producer sent fewer, show the missing ones as empty. */
    const all = scores.concat(PROFILES.filter((p) => !seen.has(p.id)).map((p) => ({ profile_id: p.id, probability: null, confidence_band: null, direction: null, reasons: [] })));
    for (const s of all) {
      const prof = profileInfo(s.profile_id);
      const dir = directionInfo(s.direction);
      const p = isNum(s.probability) ? Math.max(0, Math.min(1, s.probability)) : null;
      const primary = s.profile_id === e.primary_profile_id;
      const reasons = Array.isArray(s.reasons) ? s.reasons : [];
      wrap.append(el('div', { class: `srow${primary ? ' primary' : ''}`, 'data-testid': 'score-row', 'data-profile': s.profile_id },
        el('span', { class: 'chip', 'data-p': prof.id, title: prof.label, text: prof.short }),
        el('span', { class: 'sbar' },
          el('i', { style: { width: `${p === null ? 0 : p * 100}%`, background: `var(--p-${prof.id})` } }),
          el('b', { style: { left: '50%' } })),
        el('span', { class: 'sp', text: p === null ? '—' : `${(p * 100).toFixed(1)}%` }),
        el('span', { class: `sb b-${s.confidence_band || ''}`, text: (s.confidence_band || '—').toUpperCase() }),
        el('span', { class: `sd ${dir.cls}`, text: `${dir.glyph} ${dir.label}` }),
        el('span', { class: 'reasons' }, ...(reasons.length
          ? reasons.map((r) => el('span', { class: 'reason', 'data-testid': 'reason', title: r, text: humanize(r) }))
          : [el('span', { class: 'muted', text: 'no reasons' })]))));
    }
    return wrap;
  }

  suppression(e) {
    const list = Array.isArray(e.suppressed_reasons) ? e.suppressed_reasons : [];
    const wrap = el('div', { class: 'supp' });
    if (e.abstained) wrap.append(el('span', { class: 'badge abst', text: 'ABSTAINED' }));
    if (!list.length) {
      wrap.append(el('span', { class: 'muted', text: e.abstained ? 'no reason given' : 'none — no guard fired' }));
    }
    for (const r of list) wrap.append(el('span', { class: 'reason warn', 'data-testid': 'suppressed-reason', title: r, text: humanize(r) }));
    return wrap;
  }

  prints(e, detail, status, errMsg) {
    if (status === 'loading' || status === 'loading-all') return el('div', { class: 'muted pad', text: 'Loading prints…' });
    if (status === 'error') return el('div', { class: 'err pad', text: `Could not load detail: ${errMsg}` });
    const list = detail && Array.isArray(detail.member_prints) ? detail.member_prints : [];
    if (!list.length) return el('div', { class: 'muted pad', text: 'No member prints returned.' });
    const head = ['TIME', 'CONTRACT', 'SIDE', 'BID', 'ASK', 'SIZE', 'PRICE', 'NOTIONAL', 'IV', 'Δ', 'VENUE', 'CONDITIONS'];
    const table = el('table', { class: 'ptable', 'data-testid': 'member-prints' },
      el('thead', null, el('tr', null, ...head.map((h) => el('th', { text: h })))));
    const tb = el('tbody');
    const sorted = list.slice().sort((a, b) => (a.ts || 0) - (b.ts || 0));
    for (const pr of sorted) {
      const side = pr.nbbo_side || '—';
      const px = pr.price;
      const bid = pr.execution_nbbo_bid;
      const ask = pr.execution_nbbo_ask;
      const aggr = pr.aggressor ? ` (${String(pr.aggressor).slice(0, 4)})` : '';
      tb.append(el('tr', { 'data-testid': 'member-print' },
        el('td', { text: timeET(pr.ts, true) }),
        el('td', { class: 'l', text: contractShort(pr.option_contract_id) }),
        el('td', null, el('span', { class: `nside ${SIDE_CLASS[side] || ''}`, title: `NBBO side${aggr}`, text: side })),
        el('td', { text: price(bid) }),
        el('td', { text: price(ask) }),
        el('td', { text: int(pr.size) }),
        el('td', { class: 'hi', text: price(px) }),
        el('td', { text: money(pr.notional) }),
        el('td', { text: isNum(pr.execution_iv) ? pct(pr.execution_iv, 1) : '—' }),
        el('td', { text: isNum(pr.delta) ? num(pr.delta, 2) : '—' }),
        el('td', { text: pr.exchange || '—' }),
        el('td', { class: 'l cond', text: Array.isArray(pr.conditions) && pr.conditions.length ? pr.conditions.join(' ') : '—' })));
    }
    table.append(tb);
    return el('div', { class: 'tscroll' }, table);
  }

  features(e) {
    const f = e.features || {};
    const grid = el('div', { class: 'ftable', 'data-testid': 'features' });
    for (const k of Object.keys(f)) {
      grid.append(el('span', { class: 'fk', text: k }), el('span', { class: `fv${f[k] === null ? ' null' : ''}`, text: featureValue(k, f[k]) }));
    }
    if (!Object.keys(f).length) grid.append(el('span', { class: 'muted', text: 'no features' }));
    return grid;
  }

  packets(list) {
    const wrap = el('div', { class: 'packets' });
    for (const p of list) {
      const jq = p && p.join_quality && typeof p.join_quality === 'object'
        ? Object.entries(p.join_quality).map(([k, v]) => `${k}=${isNum(v) ? num(v, 2) : v}`).join('  ') : '';
      wrap.append(el('div', { class: 'pkt' },
        el('span', { class: 'mono id', text: (p && p.id) || '—' }),
        el('span', { class: 'muted', text: `${Array.isArray(p && p.members) ? p.members.length : 0} members` }),
        el('span', { class: 'muted small', text: jq })));
    }
    return wrap;
  }
}
