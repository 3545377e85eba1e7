/* Wiring of the terminal: the live store fed by `/ws/live` (snapshot + events on the
 * `smart-money` and `alerts` channels), the tape that shows either the live store or a
 * replay's, filters, the drawer, the chart, the profile mix from `/stats/profiles`, history
 * paging, replay controls, the connection indicator, the status bar and the keyboard map. */

import * as api from './api.js';
import {
  applyProfileColors, PROFILES, profileInfo, money, int, timeET, parseET, toETInput, dateET, el,
  isNum, eventKey,
} from './format.js';
import { EventStore } from './store.js';
import { Filters } from './filters.js';
import { Tape } from './tape.js';
import { Drawer } from './drawer.js';
import { PremiumChart } from './chart.js';
import { AlertsPane } from './alerts.js';
import { LiveConnection } from './live.js';
import { Replay } from './replay.js';

applyProfileColors();

const $ = (sel) => document.querySelector(`[data-role="${sel}"]`);

const live = new EventStore(8000);
let current = live;
let paused = false;
let recv = 0;
const arrivals = [];
let lastError = '';

/* ---- components ---- */

const drawer = new Drawer($('drawer'), { onClose: null });

const tape = new Tape($('tape'), {
  onOpen: (id) => openDrawer(id),
  onSelect: () => {},
  onLoadOlder: () => loadOlder(),
});

const filters = new Filters(() => {
  tape.setPredicate(filters.predicate());
  maybeBackfill();
});
filters.bind($('filters'));
tape.setPredicate(filters.predicate());
tape.setStore(live);

const chart = new PremiumChart($('chart'), $('chart-tip'), $('chart-legend'), 60);
$('chart-window').addEventListener('change', (ev) => chart.setMinutes(Number(ev.target.value)));

const alertsPane = new AlertsPane(document.querySelector('.alerts-pane'), {
  onOpen: (id) => openDrawer(id),
  isKnownEvent: (id) => !!(live.get(id) || replay.store.get(id)),
});

function storeListener(store) {
  return (items, where) => {
    tape.onStoreAdd(store, items, where);
    if (store === current) {
      if (where === 'reset' && items.length === 0) chart.reset([]);
      else chart.add(items);
    }
    scheduleInfo();
  };
}
live.on(storeListener(live));

const replay = new Replay((state, detail) => onReplayState(state, detail));
replay.store.on(storeListener(replay.store));

function openDrawer(id, delay = 0) {
  if (!id) return;
  const e = current.get(id) || live.get(id) || replay.store.get(id);
  if (tape.selectedId !== id) tape.select(id);
  drawer.open(id, e, delay);
}

/* ---- live connection ---- */

const connEl = document.querySelector('[data-testid="conn"]');
const connLabel = $('conn-label');
const conn = new LiveConnection({
  channels: ['smart-money', 'alerts'],
  onState: (s) => {
    connEl.dataset.state = s;
    connLabel.textContent = s === 'live' ? 'LIVE' : s === 'reconnecting' ? 'RECONNECTING' : 'OFFLINE';
  },
  onSnapshot: (snap) => {
    const items = Array.isArray(snap.items) ? snap.items : [];
    if (snap.subscription === 'smart-money' || (snap.subscription && snap.subscription.channel === 'smart-money')) {
      const wasEmpty = live.items.length === 0;
      live.add(items);
      if (wasEmpty) {
        if (snap.next_before && isNum(snap.next_before.ts)) live.oldestCursor = snap.next_before;
        else if (snap.next_before === null && items.length === 0) live.exhausted = true;
      }
    } else if (isAlerts(snap.subscription)) {
      alertsPane.add(items, true);
    }
  },
  onEvent: (sub, item) => {
    if (isAlerts(sub)) {
      alertsPane.add([item], false);
      return;
    }
    if (!item || typeof item !== 'object') return;
    recv += 1;
    arrivals.push(performance.now());
    live.add([item]);
  },
  onError: (m) => showMsg(m, true),
});

function isAlerts(sub) {
  return sub === 'alerts' || (sub && sub.channel === 'alerts');
}

/* ---- history ---- */

let loadingOlder = false;
async function loadOlder() {
  if (loadingOlder) return;
  if (current !== live) {
    showMsg('History paging is for the live tape; leave replay first.');
    return;
  }
  if (live.exhausted) {
    tape.setOlderState('no older events', false);
    return;
  }
  loadingOlder = true;
  tape.setOlderState('loading…', true);
  try {
    /* With narrow filters a page may hold few matches; read up to 5 pages for 50 of them. */
    const pred = filters.predicate();
    let matched = 0;
    let pages = 0;
    let added = 0;
    while (pages < 5 && matched < 50 && !live.exhausted) {
      const cur = live.historyCursor();
      const body = await api.historySmartMoney(cur.ts, cur.seq, 200);
      const data = Array.isArray(body && body.data) ? body.data : [];
      const nb = body ? body.next_before : null;
      const fresh = live.add(data, 'bottom');
      added += fresh.length;
      matched += fresh.filter(pred).length;
      pages += 1;
      if (nb && isNum(nb.ts)) {
        live.oldestCursor = { ts: nb.ts, seq: isNum(nb.seq) ? nb.seq : 0 };
      } else {
        live.oldestCursor = null;
        live.exhausted = true;
      }
      if (!data.length) break;
    }
    tape.refreshAfterHistory();
    tape.setOlderState(live.exhausted ? `end of history · +${added}` : `+${added} older`, false);
  } catch (e) {
    tape.setOlderState('failed', false);
    showMsg(`load older: ${e.message}`, true);
  } finally {
    loadingOlder = false;
  }
}

/* When a filter leaves few rows, ask the server for recent matches so the view is not empty. */
let backfillTimer = null;
function maybeBackfill() {
  clearTimeout(backfillTimer);
  if (current !== live || !filters.isActive()) return;
  backfillTimer = setTimeout(async () => {
    const pred = filters.predicate();
    let n = 0;
    for (const e of live.items) if (pred(e) && ++n >= 50) return;
    try {
      const body = await api.smartMoney(filters.serverQuery(), 200);
      const data = Array.isArray(body && body.data) ? body.data : [];
      live.add(data);
    } catch (e) {
      showMsg(`filter backfill: ${e.message}`, true);
    }
  }, 300);
}

/* ---- replay ---- */

const replayForm = $('replay-form');
const replayFrom = $('replay-from');
const replaySpeed = $('replay-speed');
const replayLive = $('replay-live');
const modeEl = $('mode');
replayFrom.value = toETInput(Date.now() - 30 * 60000);

function speedValue() {
  return replaySpeed.value === 'max' ? 'max' : Number(replaySpeed.value);
}

replayForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  startReplay();
});
replaySpeed.addEventListener('change', () => replay.setSpeed(speedValue()));
replayLive.addEventListener('click', () => stopReplay());

function startReplay() {
  const from = parseET(replayFrom.value);
  if (!isNum(from)) {
    showMsg('replay: choose a start time', true);
    replayFrom.focus();
    return;
  }
  current = replay.store;
  chart.reset([]);
  tape.setStore(replay.store);
  setPaused(false);
  drawer.close();
  replay.start(from, speedValue());
}

function stopReplay() {
  replay.stop();
  current = live;
  tape.setStore(live);
  chart.reset(live.items);
  setPaused(false);
}

function onReplayState(state, detail) {
  const on = state !== 'idle';
  replayLive.hidden = !on;
  document.body.classList.toggle('replaying', on);
  if (!on) {
    modeEl.dataset.mode = 'live';
    modeEl.textContent = 'REAL-TIME';
    return;
  }
  modeEl.dataset.mode = 'replay';
  const sp = replay.speed === 'max' ? 'MAX' : `×${replay.speed}`;
  const at = replay.clock ? `${dateET(replay.clock)} ${timeET(replay.clock)}` : '';
  const label = { loading: 'LOADING', playing: '▶', paused: '❚❚', done: 'END', error: 'ERROR' }[state] || state;
  modeEl.textContent = `REPLAY ${label} ${at} ${sp} · ${replay.released}`;
  if (state === 'error') showMsg(`replay: ${detail}`, true);
}

/* ---- pause ---- */

function setPaused(p) {
  paused = p;
  tape.setPaused(p);
  $('paused-badge').hidden = !p;
  $('pause-label').textContent = p ? '▶ RESUME' : '❚❚ PAUSE';
  document.body.classList.toggle('is-paused', p);
}
$('pause').addEventListener('click', () => togglePause());

function togglePause() {
  if (replay.active() && (replay.state === 'playing' || replay.state === 'paused')) {
    replay.togglePause();
    setPaused(replay.state === 'paused');
    return;
  }
  setPaused(!paused);
}

/* ---- profile mix (/stats/profiles, with a local fallback) ---- */

async function refreshMix() {
  const now = Date.now();
  const from = parseET(`${dateET(now)}T00:00`);
  let rows = null;
  let src = 'today · server';
  try {
    const body = await api.statsProfiles(from, now);
    if (body && Array.isArray(body.data)) rows = body.data;
  } catch (e) {
    src = `today · local (stats ${e.status ? `HTTP ${e.status}` : 'unavailable'})`;
  }
  if (!rows) {
    const acc = new Map();
    for (const e of live.items) {
      if (eventKey(e).ts < from) continue;
      const id = e.abstained || !e.primary_profile_id ? 'none' : e.primary_profile_id;
      const r = acc.get(id) || { profile_id: id, count: 0, premium: 0 };
      r.count += 1;
      r.premium += isNum(e.features && e.features.total_premium) ? e.features.total_premium : 0;
      acc.set(id, r);
    }
    rows = [...acc.values()];
  }
  renderMix(rows, src);
}

function renderMix(rows, src) {
  const by = new Map(rows.map((r) => [r.profile_id || 'none', r]));
  let total = 0;
  for (const r of rows) total += isNum(r.premium) ? r.premium : 0;
  const list = PROFILES.map((p) => p.id);
  if (by.has('none') || by.has(null)) list.push('none');
  const mix = $('mix');
  mix.replaceChildren(...list.map((id) => {
    const r = by.get(id) || { count: 0, premium: 0 };
    const p = profileInfo(id);
    const share = total > 0 && isNum(r.premium) ? r.premium / total : 0;
    return el('div', { class: 'mrow', 'data-profile': id },
      el('span', { class: 'chip', 'data-p': p.id, text: p.short }),
      el('span', { class: 'mbar' }, el('i', { style: { width: `${(share * 100).toFixed(1)}%`, background: `var(--p-${p.id})` } })),
      el('span', { class: 'mcount', text: int(r.count) }),
      el('span', { class: 'mprem', text: money(r.premium) }),
      el('span', { class: 'mshare', text: `${(share * 100).toFixed(0)}%` }));
  }));
  $('mix-src').textContent = src;
}

/* ---- status ---- */

let infoScheduled = false;
function scheduleInfo() {
  if (infoScheduled) return;
  infoScheduled = true;
  setTimeout(() => {
    infoScheduled = false;
    const shown = tape.matchCount();
    const held = current.items.length;
    $('tape-info').textContent = `${int(shown)} match · ${int(held)} held${filters.isActive() ? ' · filtered' : ''}`;
    tape.updateOlder();
  }, 200);
}

let msgTimer = null;
function showMsg(text, isErr) {
  const m = $('msg');
  m.textContent = text;
  m.classList.toggle('err', !!isErr);
  if (isErr) lastError = text;
  clearTimeout(msgTimer);
  msgTimer = setTimeout(() => {
    m.textContent = '';
  }, 8000);
}

function everySecond() {
  const now = performance.now();
  while (arrivals.length && now - arrivals[0] > 5000) arrivals.shift();
  $('rate').textContent = (arrivals.length / 5).toFixed(1);
  $('recv').textContent = int(recv);
  $('clock').textContent = `${timeET(Date.now())} ET`;
  const age = conn.heartbeatAge();
  $('hb').textContent = age === null ? '—' : `${age < 10 ? age.toFixed(1) : Math.round(age)}s${conn.rttMs !== null ? ` · ${conn.rttMs}ms` : ''}`;
  $('hb').classList.toggle('warn', age !== null && age > 20);
  if (paused && !replay.active()) $('paused-badge').textContent = `PAUSED · ${tape.pending.length} queued`;
  if (replay.active()) onReplayState(replay.state);
}
setInterval(everySecond, 1000);
everySecond();

async function pollHealth() {
  const a = $('api');
  try {
    const h = await api.health();
    a.textContent = `API ${h && h.status ? String(h.status).toUpperCase() : 'OK'}`;
    a.className = 'ok';
  } catch (e) {
    a.textContent = `API ${e.status ? `HTTP ${e.status}` : 'DOWN'}`;
    a.className = 'bad';
    a.title = e.message;
  }
}

/* ---- keyboard ---- */

const help = $('help');
help.addEventListener('click', () => {
  help.hidden = true;
});

document.addEventListener('keydown', (ev) => {
  const t = ev.target;
  const typing = t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA');
  if (ev.key === 'Escape') {
    if (!help.hidden) help.hidden = true;
    else if (typing) t.blur();
    else if (drawer.isOpen()) drawer.close();
    else if (filters.search) {
      filters.search = '';
      filters.changed();
    }
    ev.preventDefault();
    return;
  }
  if (typing) {
    if (ev.key === 'Enter' && t.dataset.role === 'search') t.blur();
    return;
  }
  if (ev.metaKey || ev.ctrlKey || ev.altKey) return;
  const k = ev.key;
  let handled = true;
  if (k === '/') {
    const s = $('search');
    s.focus();
    s.select();
  } else if (k === 'j' || k === 'ArrowDown') {
    const id = tape.move(1);
    if (drawer.isOpen() && id) openDrawer(id, 150);
  } else if (k === 'k' || k === 'ArrowUp') {
    const id = tape.move(-1);
    if (drawer.isOpen() && id) openDrawer(id, 150);
  } else if (k === 'PageDown') {
    tape.move(tape.pageRows());
  } else if (k === 'PageUp') {
    tape.move(-tape.pageRows());
  } else if (k === 'Enter') {
    const id = tape.selectedId || tape.move(0);
    if (id) openDrawer(id);
  } else if (k >= '1' && k <= '6') {
    filters.toggleProfile(PROFILES[Number(k) - 1].id);
  } else if (k === '0') {
    filters.profiles.clear();
    filters.changed();
  } else if (k === 'a') {
    filters.showAbstained = !filters.showAbstained;
    filters.changed();
  } else if (k === 'p' || k === ' ') {
    togglePause();
  } else if (k === 'o') {
    loadOlder();
  } else if (k === 'g' || k === 'Home') {
    tape.top();
  } else if (k === 'r') {
    startReplay();
  } else if (k === '?') {
    help.hidden = !help.hidden;
  } else {
    handled = false;
  }
  if (handled) ev.preventDefault();
});

/* ---- start ---- */

conn.start();
pollHealth();
setInterval(pollHealth, 30000);
refreshMix();
setInterval(refreshMix, 30000);
/* the page can be scripted: expose a small read-only view for tests and debugging */
window.smartflow = {
  get state() {
    return { conn: conn.state, rows: tape.matchCount(), held: current.items.length, paused, mode: current === live ? 'live' : 'replay', lastError };
  },
};
