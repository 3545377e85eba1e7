/* Formatting and shared vocabulary for the terminal: the six profiles (ids, short labels and
 * the one colour each wears everywhere), direction glyphs, compact dollar amounts, Eastern
 * time, contract ids and reason codes turned into readable text. Pure functions, no DOM
 * except the small `el` helper and `applyProfileColors`, which publishes the profile colours
 * as CSS variables so the stylesheet and the canvas chart share one table. */

export const PROFILES = [
  { id: 'institutional_directional', short: 'INST', label: 'Institutional directional', color: '#5b8cff' },
  { id: 'retail_whale', short: 'WHALE', label: 'Retail whale', color: '#ff9f1c' },
  { id: 'event_driven', short: 'EVENT', label: 'Event driven', color: '#b388ff' },
  { id: 'vol_seller', short: 'VOLS', label: 'Vol seller', color: '#2ec4c4' },
  { id: 'arbitrage', short: 'ARB', label: 'Arbitrage', color: '#e2cf56' },
  { id: 'hedge_reactive', short: 'HEDGE', label: 'Hedge reactive', color: '#f15bb5' },
];
export const NO_PROFILE = { id: 'none', short: 'ABST', label: 'Abstained / none', color: '#5d6673' };

const PROFILE_BY_ID = new Map(PROFILES.map((p) => [p.id, p]));

export function profileInfo(id) {
  return PROFILE_BY_ID.get(id) || NO_PROFILE;
}

export function applyProfileColors(root = document.documentElement) {
  for (const p of PROFILES) root.style.setProperty(`--p-${p.id}`, p.color);
  root.style.setProperty('--p-none', NO_PROFILE.color);
}

export const DIRECTIONS = {
  bullish: { glyph: '▲', label: 'BULL', cls: 'bull' },
  bearish: { glyph: '▼', label: 'BEAR', cls: 'bear' },
  neutral: { glyph: '●', label: 'NEUT', cls: 'neut' },
  mixed: { glyph: '◆', label: 'MIXED', cls: 'mixed' },
  unknown: { glyph: '?', label: 'UNK', cls: 'unk' },
};

export function directionInfo(d) {
  return DIRECTIONS[d] || DIRECTIONS.unknown;
}

export function isNum(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

/* $1.2M style. Null or non-finite gives an em dash. */
export function money(v) {
  if (!isNum(v)) return '—';
  const a = Math.abs(v);
  const s = v < 0 ? '-' : '';
  if (a >= 1e9) return `${s}$${trim(a / 1e9, a >= 1e11 ? 0 : 2)}B`;
  if (a >= 1e6) return `${s}$${trim(a / 1e6, a >= 1e8 ? 0 : a >= 1e7 ? 1 : 2)}M`;
  if (a >= 1e3) return `${s}$${trim(a / 1e3, a >= 1e5 ? 0 : 1)}K`;
  return `${s}$${Math.round(a)}`;
}

function trim(x, digits) {
  return x.toFixed(digits).replace(/\.0+$/, '').replace(/(\.\d*?)0+$/, '$1');
}

/* Parses "250k", "1.5m", "2b", "$1,000" into dollars; NaN when it is not a number. */
export function parseMoney(text) {
  const t = String(text || '').trim().toLowerCase().replace(/[$,\s]/g, '');
  if (!t) return NaN;
  const m = /^(\d+(?:\.\d+)?|\.\d+)([kmb]?)$/.exec(t);
  if (!m) return NaN;
  const mult = { '': 1, k: 1e3, m: 1e6, b: 1e9 }[m[2]];
  return parseFloat(m[1]) * mult;
}

export function int(v) {
  if (!isNum(v)) return '—';
  return Math.round(v).toLocaleString('en-US');
}

export function compactInt(v) {
  if (!isNum(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1e6) return `${trim(v / 1e6, 1)}M`;
  if (a >= 1e4) return `${trim(v / 1e3, 1)}K`;
  return Math.round(v).toLocaleString('en-US');
}

export function num(v, digits = 2) {
  if (!isNum(v)) return '—';
  return v.toFixed(digits);
}

export function pct(v, digits = 0) {
  if (!isNum(v)) return '—';
  return `${(v * 100).toFixed(digits)}%`;
}

export function price(v) {
  if (!isNum(v)) return '—';
  return v >= 100 ? v.toFixed(2) : v.toFixed(v < 1 ? 3 : 2).replace(/(\.\d\d)0$/, '$1');
}

/* ---- Eastern time ---- */

const ET_TIME = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York', hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit',
});
const ET_DATE = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit',
});
const ET_PARTS = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York', hour12: false, year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit',
});

/* The ET wall clock of one minute is the same for every ms in it; memoising per minute keeps
 * formatting cheap at tape rates. */
let memoMinute = NaN;
let memoHM = '';
function etHM(ms) {
  const minute = Math.floor(ms / 60000);
  if (minute !== memoMinute) {
    memoMinute = minute;
    memoHM = ET_TIME.format(new Date(minute * 60000)).slice(0, 5).replace(/^24/, '00');
  }
  return memoHM;
}

export function timeET(ms, withMs = false) {
  if (!isNum(ms)) return '—';
  const s = Math.floor((ms % 60000 + 60000) % 60000 / 1000);
  let out = `${etHM(ms)}:${String(s).padStart(2, '0')}`;
  if (withMs) out += `.${String(((ms % 1000) + 1000) % 1000).padStart(3, '0')}`;
  return out;
}

export function hmET(ms) {
  return isNum(ms) ? etHM(ms) : '—';
}

export function dateET(ms) {
  return isNum(ms) ? ET_DATE.format(new Date(ms)) : '—';
}

export function dateTimeET(ms) {
  return isNum(ms) ? `${dateET(ms)} ${timeET(ms, true)}` : '—';
}

/* Offset of America/New_York from UTC at instant ms, in ms (e.g. -4h in summer). */
function etOffsetMs(ms) {
  const parts = {};
  for (const p of ET_PARTS.formatToParts(new Date(ms))) parts[p.type] = p.value;
  const hour = parts.hour === '24' ? 0 : Number(parts.hour);
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), hour,
    Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/* "2025-01-17T09:45" (or with :ss) read as an ET wall time, to epoch ms; NaN if malformed. */
export function parseET(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(String(text).trim());
  if (!m) return NaN;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  let guess = wall - etOffsetMs(wall);
  guess = wall - etOffsetMs(guess);
  return guess;
}

/* epoch ms to "YYYY-MM-DDTHH:MM" in ET, for datetime-local inputs. */
export function toETInput(ms) {
  const parts = {};
  for (const p of ET_PARTS.formatToParts(new Date(ms))) parts[p.type] = p.value;
  const hh = parts.hour === '24' ? '00' : parts.hour;
  return `${parts.year}-${parts.month}-${parts.day}T${hh}:${parts.minute}`;
}

/* ---- contracts and structures ---- */

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/* Splits a canonical id (ROOT-YYYY-MM-DD-STRIKE-R, root may hold dashes) or a 21-char OSI
 * symbol into parts; null when it is neither. */
export function parseContract(id) {
  if (typeof id !== 'string') return null;
  let m = /^(.+)-(\d{4})-(\d{2})-(\d{2})-(\d+(?:\.\d+)?)-([CP])$/.exec(id);
  if (m) return { root: m[1], y: +m[2], mo: +m[3], d: +m[4], strike: m[5], right: m[6] };
  m = /^(.{6})(\d{2})(\d{2})(\d{2})([CP])(\d{8})$/.exec(id);
  if (m) {
    const strike = String(parseInt(m[6], 10) / 1000);
    return { root: m[1].trim(), y: 2000 + +m[2], mo: +m[3], d: +m[4], strike, right: m[5] };
  }
  return null;
}

/* "SPY 17JAN25 450C" */
export function contractShort(id) {
  const c = parseContract(id);
  if (!c) return id || '—';
  const dd = String(c.d).padStart(2, '0');
  return `${c.root} ${dd}${MONTHS[c.mo - 1] || '???'}${String(c.y % 100).padStart(2, '0')} ${c.strike}${c.right}`;
}

/* Without the root, for tape rows where the underlying has its own column. */
export function contractNoRoot(id) {
  const c = parseContract(id);
  if (!c) return id || '—';
  const dd = String(c.d).padStart(2, '0');
  return `${dd}${MONTHS[c.mo - 1] || '???'}${String(c.y % 100).padStart(2, '0')} ${c.strike}${c.right}`;
}

export function structureLabel(f) {
  if (!f) return '—';
  const type = f.structure_type ? String(f.structure_type).replace(/_/g, ' ') : 'multi-leg';
  const legs = isNum(f.structure_legs) ? ` ×${Math.round(f.structure_legs)}` : '';
  return `${type.toUpperCase()}${legs}`;
}

/* ---- reason codes ---- */

const WORDS = {
  iso: 'ISO', nbbo: 'NBBO', atm: 'ATM', otm: 'OTM', itm: 'ITM', dte: 'DTE', iv: 'IV', oi: 'OI',
  etf: 'ETF', '0dte': '0DTE', vol: 'vol', bps: 'bps',
};

export function humanize(code) {
  if (typeof code !== 'string' || !code) return '—';
  const words = code.split(/[_\s]+/).map((w) => WORDS[w.toLowerCase()] || w.toLowerCase());
  const s = words.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/* ---- tiny DOM helper ---- */

export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k === 'style' && typeof v === 'object') Object.assign(node.style, v);
      else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

/* (ts, seq) of a record's meta, for ordering and paging. */
export function eventKey(e) {
  const m = (e && e.meta) || {};
  const rawTs = e && isNum(e.source_ts) ? e.source_ts : m.source_ts;
  const rawSeq = e && isNum(e.seq) ? e.seq : m.seq;
  return { ts: isNum(rawTs) ? rawTs : 0, seq: isNum(rawSeq) ? rawSeq : 0 };
}

export function compareDesc(a, b) {
  const ka = eventKey(a);
  const kb = eventKey(b);
  if (ka.ts !== kb.ts) return kb.ts - ka.ts;
  return kb.seq - ka.seq;
}
