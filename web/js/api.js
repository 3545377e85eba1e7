/* HTTP access to the smartflow API. Every request carries `Authorization: Bearer T` when the
 * page was opened with `?token=T`; the same token goes on the WebSocket URL as `?token=T`.
 * Errors come back as thrown ApiError with the server's `{error, detail}` text when it sent
 * one, so callers can show something a person can act on. */

const params = new URLSearchParams(window.location.search);
const TOKEN = params.get('token') || '';
/* `?api=http://host:port` lets the page talk to an API on another origin (development). */
const API_BASE = (params.get('api') || '').replace(/\/+$/, '');

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

export function token() {
  return TOKEN;
}

function url(path, query) {
  const u = new URL(API_BASE + path, API_BASE || window.location.origin);
  if (query) {
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null || v === '' || (typeof v === 'number' && !Number.isFinite(v))) continue;
      u.searchParams.set(k, String(v));
    }
  }
  return u.toString();
}

export async function getJSON(path, query, { signal, timeoutMs = 10000 } = {}) {
  const headers = { Accept: 'application/json' };
  if (TOKEN) headers.Authorization = `Bearer ${TOKEN}`;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  if (signal) signal.addEventListener('abort', () => ctl.abort(), { once: true });
  let res;
  try {
    res = await fetch(url(path, query), { headers, signal: ctl.signal, cache: 'no-store' });
  } catch (e) {
    clearTimeout(timer);
    if (signal && signal.aborted) throw e;
    throw new ApiError(`${path}: ${ctl.signal.aborted ? 'timed out' : 'network error'}`, 0);
  }
  clearTimeout(timer);
  let body = null;
  const text = await res.text();
  if (text) {
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw new ApiError(`${path}: HTTP ${res.status}, response is not JSON`, res.status);
    }
  }
  if (!res.ok) {
    const msg = body && body.error ? `${body.error}${body.detail ? `: ${body.detail}` : ''}` : `HTTP ${res.status}`;
    throw new ApiError(`${path}: ${msg}`, res.status);
  }
  return body;
}

export function wsURL(path) {
  const base = new URL(API_BASE || window.location.origin);
  const proto = base.protocol === 'https:' ? 'wss:' : 'ws:';
  const u = new URL(`${proto}//${base.host}${path}`);
  if (TOKEN) u.searchParams.set('token', TOKEN);
  return u.toString();
}

/* ---- routes ---- */

export function smartMoney(filters, limit = 200) {
  return getJSON('/flow/smart-money', { ...filters, limit });
}

export function smartMoneyDetail(eventId, opts) {
  return getJSON(`/flow/smart-money/${encodeURIComponent(eventId)}`, null, opts);
}

export function historySmartMoney(beforeTs, beforeSeq, limit = 200) {
  return getJSON('/history/smart-money', { before_ts: beforeTs, before_seq: beforeSeq, limit });
}

export function replaySmartMoney(afterTs, afterSeq, limit = 500) {
  return getJSON('/replay/smart-money', { after_ts: afterTs, after_seq: afterSeq, limit });
}

export function statsProfiles(fromTs, toTs) {
  return getJSON('/stats/profiles', { from_ts: fromTs, to_ts: toTs });
}

export function alerts(limit = 100) {
  return getJSON('/flow/alerts', { limit });
}

export function health() {
  return getJSON('/health', null, { timeoutMs: 5000 });
}
