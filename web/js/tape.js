/* The smart-money tape: newest on top, one fixed-height row per event, filtered by the
 * current predicate. It is a windowed list: `view` holds every matching event held (newest
 * first) and the DOM holds only the rows in sight plus a few above and below (about 60, never
 * more than MAX_DOM), positioned inside a spacer as tall as the whole list. New events are
 * queued and applied at most once per animation frame; rows already on screen are kept (not
 * rebuilt), so a burst of 50 events/s costs a handful of new rows per frame. While the reader
 * is scrolled down the view is held still (the scroll offset moves with the inserted rows),
 * and while paused nothing is applied; the queue is flushed on resume. Keyboard selection
 * moves over `view`, so it reaches rows that are not in the DOM yet. */

import {
  profileInfo, directionInfo, money, compactInt, timeET, contractNoRoot, structureLabel, isNum,
  humanize, eventKey,
} from './format.js';
import { primaryScore } from './filters.js';

export const ROW_H = 22;
const OVERSCAN = 10;
const FLUSH_MS = 100;
const NEW_MS = 700;
const BAND_SHORT = { high: 'HIGH', medium: 'MED', low: 'LOW' };
const MAX_DOM = 500;

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ESC[c]);
}

function dteText(d) {
  if (!isNum(d)) return '—';
  if (d < 1) return d.toFixed(2);
  return d < 10 ? d.toFixed(1) : String(Math.round(d));
}

export function rowHTML(e) {
  const f = e.features || {};
  const prof = profileInfo(e.primary_profile_id);
  const dir = directionInfo(e.primary_direction);
  const s = primaryScore(e);
  const p = s && isNum(s.probability) ? Math.max(0, Math.min(1, s.probability)) : null;
  const band = s && s.confidence_band ? s.confidence_band : '';
  const multi = e.event_kind === 'multi_leg_event' || (!f.option_contract_id && f.structure_type);
  const what = multi
    ? `<span class="struct">${esc(structureLabel(f))}</span>`
    : esc(contractNoRoot(f.option_contract_id));
  const prem = f.total_premium;
  const premCls = isNum(prem) ? (prem >= 5e6 ? 'prem xl' : prem >= 1e6 ? 'prem l' : prem >= 2.5e5 ? 'prem m' : 'prem') : 'prem';
  const sup = Array.isArray(e.suppressed_reasons) ? e.suppressed_reasons : [];
  const { ts } = eventKey(e);
  const barColor = e.abstained ? 'var(--p-none)' : `var(--p-${prof.id})`;
  return `<span class="c-time">${timeET(ts, true)}</span>` +
    `<span class="c-sym">${esc(e.underlying_id || '—')}</span>` +
    `<span class="c-what">${what}</span>` +
    `<span class="c-dte">${dteText(f.dte_days)}</span>` +
    `<span class="c-size">${compactInt(f.total_size)}</span>` +
    `<span class="c-prem ${premCls}">${money(prem)}</span>` +
    `<span class="c-prof"><span class="chip" data-p="${prof.id}">${prof.short}</span></span>` +
    `<span class="c-dir ${dir.cls}">${dir.glyph} ${dir.label}</span>` +
    `<span class="c-prob"><span class="pbar"><i style="width:${p === null ? 0 : (p * 100).toFixed(1)}%;background:${barColor}"></i></span>` +
    `<span class="pv">${p === null ? '—' : Math.round(p * 100)}</span></span>` +
    `<span class="c-band b-${esc(band)}">${esc(BAND_SHORT[band] || band.toUpperCase() || '—')}</span>` +
    `<span class="c-flags">${e.abstained ? '<span class="badge abst">ABST</span>' : ''}${
      sup.length ? `<span class="badge sup" title="${esc(sup.map(humanize).join(' · '))}">SUP${sup.length > 1 ? ` ${sup.length}` : ''}</span>` : ''}</span>`;
}

export class Tape {
  constructor(root, { onOpen, onSelect, onLoadOlder }) {
    this.root = root;
    this.body = root.querySelector('[data-role="tape-body"]');
    this.space = root.querySelector('[data-role="space"]');
    this.rows = root.querySelector('[data-role="rows"]');
    this.empty = root.querySelector('[data-role="empty"]');
    this.olderBtn = root.querySelector('[data-role="load-older"]');
    this.olderInfo = root.querySelector('[data-role="older-info"]');
    this.newPill = root.querySelector('[data-role="new-pill"]');
    this.onOpen = onOpen;
    this.onSelect = onSelect;
    this.store = null;
    this.pred = () => true;
    this.view = [];          /* matching events, newest first */
    this.pending = [];       /* live events not applied yet, oldest first */
    this.needReset = true;
    this.forceOnce = false;
    this.paused = false;
    this.scheduled = false;
    this.inDom = new Map();  /* event id -> row element currently in the DOM */
    this.fresh = new Set();  /* ids that arrived live and have not been drawn yet */
    this.selectedId = null;
    this.unseen = 0;
    this.olderStatus = '';
    this.lastFlush = 0;
    this.newRows = new Map(); /* row element -> time it was marked new, oldest first */
    this.newTimer = null;

    this.rows.addEventListener('click', (ev) => {
      const row = ev.target.closest('.row');
      if (!row) return;
      this.select(row.dataset.eventId, false);
      if (this.onOpen) this.onOpen(row.dataset.eventId);
    });
    this.olderBtn.addEventListener('click', () => onLoadOlder && onLoadOlder());
    this.body.addEventListener('scroll', () => {
      if (this.body.scrollTop < ROW_H && this.unseen) {
        this.unseen = 0;
        this.updatePill();
      }
      this.scheduleWindow();
    }, { passive: true });
    new ResizeObserver(() => this.scheduleWindow()).observe(this.body);
    this.newPill.addEventListener('click', () => {
      this.body.scrollTop = 0;
      this.unseen = 0;
      this.updatePill();
    });
  }

  setStore(store) {
    this.store = store;
    this.pending = [];
    this.body.scrollTop = 0;
    this.unseen = 0;
    this.updatePill();
    this.requestReset();
  }

  /* Called by the store listener (wired in main.js). */
  onStoreAdd(store, items, where) {
    if (store !== this.store) return;
    if (where === 'top' && !this.needReset) {
      /* items come newest first; pending is kept oldest first */
      for (let i = items.length - 1; i >= 0; i--) this.pending.push(items[i]);
      if (this.pending.length > 20000) this.requestReset();
    } else {
      this.needReset = true;
    }
    this.schedule();
  }

  /* A filter change redraws even while paused (new rows stay queued until resume). */
  setPredicate(pred) {
    this.pred = pred;
    this.forceOnce = true;
    this.requestReset();
  }

  requestReset() {
    this.needReset = true;
    this.pending = [];
    this.schedule();
  }

  setPaused(p) {
    this.paused = p;
    this.root.classList.toggle('paused', p);
    if (!p) this.schedule();
  }

  /* At most one flush per FLUSH_MS, on an animation frame: a tape that moves ten times a
   * second reads better than one that jitters every frame, and repaints six times less. */
  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = Math.max(0, FLUSH_MS - (performance.now() - this.lastFlush));
    const run = () => requestAnimationFrame(() => {
      this.scheduled = false;
      this.lastFlush = performance.now();
      this.flush();
    });
    if (wait > 0 && !this.needReset) setTimeout(run, wait);
    else run();
  }

  scheduleWindow() {
    if (this.windowScheduled) return;
    this.windowScheduled = true;
    requestAnimationFrame(() => {
      this.windowScheduled = false;
      this.renderWindow();
    });
  }

  flush() {
    if (!this.store) return;
    if (this.paused && !this.forceOnce) return;
    this.forceOnce = false;
    if (this.needReset) {
      this.needReset = false;
      this.pending = [];
      this.view = this.store.items.filter(this.pred);
      this.fresh.clear();
      this.applyHeight();
      this.renderWindow();
      return;
    }
    if (!this.pending.length) return;
    const list = this.pending;
    this.pending = [];
    const add = [];
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i];
      if (!this.pred(e)) continue;
      add.push(e);
      this.fresh.add(e.event_id);
    }
    if (!add.length) return;
    this.view = add.concat(this.view);
    if (this.view.length > this.store.cap) this.view.length = this.store.cap;
    const keep = this.body.scrollTop > ROW_H / 2;
    this.applyHeight();
    if (keep) {
      this.body.scrollTop += add.length * ROW_H;
      this.unseen += add.length;
      this.updatePill();
    }
    this.renderWindow();
  }

  applyHeight() {
    this.space.style.height = `${this.view.length * ROW_H}px`;
    this.empty.hidden = this.view.length > 0;
    this.updateOlder();
  }

  /* Puts exactly the rows in sight (plus overscan) into the DOM, keeping rows that stay. */
  renderWindow() {
    const top = this.body.scrollTop;
    const h = this.body.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    const last = Math.min(this.view.length, Math.min(first + MAX_DOM, Math.ceil((top + h) / ROW_H) + OVERSCAN));
    const want = this.view.slice(first, last);
    const wantIds = new Set();
    for (const e of want) wantIds.add(e.event_id);
    for (const [id, row] of this.inDom) {
      if (!wantIds.has(id)) {
        row.remove();
        this.inDom.delete(id);
      }
    }
    let cur = this.rows.firstElementChild;
    for (const e of want) {
      let row = this.inDom.get(e.event_id);
      if (!row) {
        row = this.makeRow(e, this.fresh.has(e.event_id));
        this.inDom.set(e.event_id, row);
      }
      this.fresh.delete(e.event_id);
      if (row === cur) {
        cur = cur.nextElementSibling;
      } else {
        this.rows.insertBefore(row, cur);
      }
    }
    this.rows.style.transform = `translateY(${first * ROW_H}px)`;
    /* ids that arrived but scrolled past unseen need no flash later */
    if (this.fresh.size > 2000) this.fresh.clear();
  }

  makeRow(e, flash) {
    const row = document.createElement('div');
    row.className = `row${e.abstained ? ' abst' : ''}${flash ? ' new' : ''}${e.event_id === this.selectedId ? ' sel' : ''}`;
    if (flash) this.markNew(row);
    row.setAttribute('data-testid', 'tape-row');
    row.dataset.eventId = e.event_id;
    row.dataset.profile = e.primary_profile_id || 'none';
    row.setAttribute('role', 'row');
    row.innerHTML = rowHTML(e);
    return row;
  }

  /* New rows are highlighted for NEW_MS with a plain class (no CSS animation: animating
   * dozens of rows costs a style pass every frame); one timer clears the ones that aged. */
  markNew(row) {
    this.newRows.set(row, performance.now());
    if (this.newTimer) return;
    this.newTimer = setInterval(() => {
      const now = performance.now();
      for (const [r, t] of this.newRows) {
        if (now - t < NEW_MS) break;
        r.classList.remove('new');
        this.newRows.delete(r);
      }
      if (!this.newRows.size) {
        clearInterval(this.newTimer);
        this.newTimer = null;
      }
    }, 250);
  }

  updatePill() {
    this.newPill.hidden = this.unseen === 0;
    this.newPill.textContent = `▲ ${this.unseen} new`;
  }

  setOlderState(text, busy) {
    this.olderStatus = text;
    this.olderBtn.disabled = !!busy;
    this.updateOlder();
  }

  updateOlder() {
    const total = this.store ? this.store.items.length : 0;
    this.olderInfo.textContent = `${this.view.length} match · ${total} held${this.olderStatus ? ` · ${this.olderStatus}` : ''}`;
  }

  /* After a history page lands at the bottom, show it even while paused. */
  refreshAfterHistory() {
    this.needReset = true;
    this.forceOnce = true;
    this.schedule();
  }

  matchCount() {
    return this.view.length;
  }

  indexOf(id) {
    if (!id) return -1;
    for (let i = 0; i < this.view.length; i++) if (this.view[i].event_id === id) return i;
    return -1;
  }

  select(id, scroll = true) {
    if (this.selectedId && this.inDom.has(this.selectedId)) this.inDom.get(this.selectedId).classList.remove('sel');
    this.selectedId = id;
    const row = id ? this.inDom.get(id) : null;
    if (row) row.classList.add('sel');
    if (scroll && id) this.reveal(this.indexOf(id));
    if (this.onSelect) this.onSelect(id);
  }

  /* Scrolls the least needed to bring view[i] into sight. */
  reveal(i) {
    if (i < 0) return;
    const y = i * ROW_H;
    const h = this.body.clientHeight;
    const footer = 0;
    if (y < this.body.scrollTop) this.body.scrollTop = y;
    else if (y + ROW_H > this.body.scrollTop + h - footer) this.body.scrollTop = y + ROW_H - h;
    this.renderWindow();
  }

  move(delta) {
    if (!this.view.length) return null;
    let i = this.indexOf(this.selectedId);
    if (i < 0) {
      i = Math.max(0, Math.floor(this.body.scrollTop / ROW_H));
      if (delta > 0) delta -= 1;
    }
    i = Math.max(0, Math.min(this.view.length - 1, i + delta));
    const id = this.view[i].event_id;
    this.select(id);
    return id;
  }

  pageRows() {
    return Math.max(1, Math.floor(this.body.clientHeight / ROW_H) - 1);
  }

  top() {
    this.body.scrollTop = 0;
    if (this.view.length) this.select(this.view[0].event_id);
  }
}
