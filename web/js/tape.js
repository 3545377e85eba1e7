/* The smart-money tape: newest on top, one fixed-height row per event, filtered by the
 * current predicate. New events are queued and written to the DOM at most once per animation
 * frame as one fragment, and the DOM never holds more than `limit` rows (500, raised by
 * "load older"), so 50 events/s costs one small fragment per frame. While the reader is
 * scrolled down the view is held still (the scroll offset moves with the inserted rows), and
 * while paused nothing is written; the queue is flushed on resume. Keyboard selection moves
 * over the rows in the DOM. */

import {
  profileInfo, directionInfo, money, compactInt, timeET, contractNoRoot, structureLabel, isNum,
  humanize, eventKey,
} from './format.js';
import { primaryScore } from './filters.js';

export const ROW_H = 22;
const BASE_LIMIT = 500;
const MAX_LIMIT = 3000;

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
    `<span class="c-band b-${esc(band)}">${band ? esc(band.slice(0, 3).toUpperCase()) : '—'}</span>` +
    `<span class="c-flags">${e.abstained ? '<span class="badge abst">ABST</span>' : ''}${
      sup.length ? `<span class="badge sup" title="${esc(sup.map(humanize).join(' · '))}">SUP${sup.length > 1 ? ` ${sup.length}` : ''}</span>` : ''}</span>`;
}

export class Tape {
  constructor(root, { onOpen, onSelect, onLoadOlder }) {
    this.root = root;
    this.body = root.querySelector('[data-role="tape-body"]');
    this.rows = root.querySelector('[data-role="rows"]');
    this.empty = root.querySelector('[data-role="empty"]');
    this.olderBtn = root.querySelector('[data-role="load-older"]');
    this.olderInfo = root.querySelector('[data-role="older-info"]');
    this.newPill = root.querySelector('[data-role="new-pill"]');
    this.onOpen = onOpen;
    this.onSelect = onSelect;
    this.store = null;
    this.pred = () => true;
    this.limit = BASE_LIMIT;
    this.pending = [];
    this.needReset = true;
    this.paused = false;
    this.scheduled = false;
    this.byId = new Map();
    this.selectedId = null;
    this.unseen = 0;
    this.flashNew = true;
    this.olderStatus = '';
    this.forceOnce = false;

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
    }, { passive: true });
    this.newPill.addEventListener('click', () => {
      this.body.scrollTop = 0;
      this.unseen = 0;
      this.updatePill();
    });
  }

  setStore(store) {
    this.store = store;
    this.limit = BASE_LIMIT;
    this.pending = [];
    this.requestReset();
  }

  /* Called by the store listener (wired in main.js). */
  onStoreAdd(store, items, where) {
    if (store !== this.store) return;
    if (where === 'top' && !this.needReset) {
      /* items come newest first; pending is kept oldest first */
      for (let i = items.length - 1; i >= 0; i--) this.pending.push(items[i]);
      /* a queue longer than the view is cheaper to redraw whole */
      if (this.pending.length > this.limit) {
        this.pending = [];
        this.needReset = true;
      }
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

  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  flush() {
    if (!this.store) return;
    if (this.paused && !this.forceOnce) return;
    this.forceOnce = false;
    if (this.needReset) {
      this.renderAll();
      return;
    }
    if (!this.pending.length) return;
    /* pending is oldest-first in arrival order; the fragment is newest-first */
    const list = this.pending;
    this.pending = [];
    const frag = document.createDocumentFragment();
    let added = 0;
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i];
      if (!this.pred(e) || this.byId.has(e.event_id)) continue;
      frag.append(this.makeRow(e, this.flashNew));
      added++;
    }
    if (!added) return;
    const keep = this.body.scrollTop > ROW_H / 2;
    this.rows.prepend(frag);
    if (keep) {
      this.body.scrollTop += added * ROW_H;
      this.unseen += added;
      this.updatePill();
    }
    this.trimRows();
    this.updateEmpty();
  }

  makeRow(e, flash) {
    const row = document.createElement('div');
    row.className = `row${e.abstained ? ' abst' : ''}${flash ? ' flash' : ''}${e.event_id === this.selectedId ? ' sel' : ''}`;
    row.dataset.testid = 'tape-row';
    row.setAttribute('data-testid', 'tape-row');
    row.dataset.eventId = e.event_id;
    row.dataset.profile = e.primary_profile_id || 'none';
    row.innerHTML = rowHTML(e);
    this.byId.set(e.event_id, row);
    return row;
  }

  trimRows() {
    let n = this.byId.size;
    while (n > this.limit) {
      const last = this.rows.lastElementChild;
      if (!last) break;
      this.byId.delete(last.dataset.eventId);
      last.remove();
      n--;
    }
  }

  renderAll() {
    this.needReset = false;
    this.pending = [];
    this.byId.clear();
    const frag = document.createDocumentFragment();
    let n = 0;
    for (const e of this.store.items) {
      if (!this.pred(e)) continue;
      frag.append(this.makeRow(e, false));
      if (++n >= this.limit) break;
    }
    this.rows.replaceChildren(frag);
    this.updateEmpty();
    this.updateOlder();
  }

  updateEmpty() {
    const none = this.byId.size === 0;
    this.empty.hidden = !none;
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
    this.olderInfo.textContent = `${this.byId.size} shown · ${total} held${this.olderStatus ? ` · ${this.olderStatus}` : ''}`;
  }

  /* After a history page lands at the bottom, let more rows into the DOM. */
  growLimit(by) {
    this.limit = Math.min(MAX_LIMIT, this.limit + by);
    this.needReset = true;
    this.forceOnce = true;
    this.schedule();
  }

  rowCount() {
    return this.byId.size;
  }

  select(id, scroll = true) {
    if (this.selectedId && this.byId.has(this.selectedId)) this.byId.get(this.selectedId).classList.remove('sel');
    this.selectedId = id;
    const row = id ? this.byId.get(id) : null;
    if (row) {
      row.classList.add('sel');
      if (scroll) row.scrollIntoView({ block: 'nearest' });
    }
    if (this.onSelect) this.onSelect(id);
  }

  move(delta) {
    let row = this.selectedId ? this.byId.get(this.selectedId) : null;
    if (!row) {
      row = this.rows.firstElementChild;
    } else {
      for (let i = 0; i < Math.abs(delta) && row; i++) {
        const next = delta > 0 ? row.nextElementSibling : row.previousElementSibling;
        if (!next) break;
        row = next;
      }
    }
    if (row) this.select(row.dataset.eventId);
    return row ? row.dataset.eventId : null;
  }

  pageRows() {
    return Math.max(1, Math.floor(this.body.clientHeight / ROW_H) - 1);
  }

  top() {
    this.body.scrollTop = 0;
    const first = this.rows.firstElementChild;
    if (first) this.select(first.dataset.eventId);
  }
}
