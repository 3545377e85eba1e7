/* An ordered, de-duplicated list of smart-money events, newest first by (source_ts, seq),
 * capped in size. Live events are normally newer than anything held and go on top in O(1)
 * amortised time; older pages (history) go at the bottom; anything else is inserted in place.
 * Listeners hear `added(items, where)` with where = 'top' | 'bottom' | 'reset'. */

import { compareDesc, eventKey } from './format.js';

export class EventStore {
  constructor(cap = 8000) {
    this.cap = cap;
    this.items = [];
    this.ids = new Map();
    this.listeners = [];
    this.oldestCursor = null; /* {ts, seq} to page history before, or null when exhausted */
    this.exhausted = false;
  }

  on(fn) {
    this.listeners.push(fn);
  }

  emit(items, where) {
    for (const fn of this.listeners) fn(items, where);
  }

  get(id) {
    return this.ids.get(id) || null;
  }

  clear() {
    this.items = [];
    this.ids.clear();
    this.oldestCursor = null;
    this.exhausted = false;
    this.emit([], 'reset');
  }

  /* Adds events of any order; returns those that were new. */
  add(list, where = 'top') {
    const fresh = [];
    for (const e of list) {
      if (!e || typeof e.event_id !== 'string' || this.ids.has(e.event_id)) continue;
      this.ids.set(e.event_id, e);
      fresh.push(e);
    }
    if (!fresh.length) return fresh;
    fresh.sort(compareDesc);
    const top = this.items[0];
    const bottom = this.items[this.items.length - 1];
    let placed = where;
    if (!top || compareDesc(fresh[fresh.length - 1], top) < 0) {
      /* all newer than the newest held */
      this.items = fresh.concat(this.items);
      placed = 'top';
    } else if (compareDesc(fresh[0], bottom) > 0) {
      this.items = this.items.concat(fresh);
      placed = 'bottom';
    } else {
      this.items = this.items.concat(fresh).sort(compareDesc);
      placed = 'reset';
    }
    this.trim();
    this.emit(fresh, placed);
    return fresh;
  }

  trim() {
    if (this.items.length <= this.cap) return;
    const dropped = this.items.splice(this.cap);
    for (const e of dropped) this.ids.delete(e.event_id);
    /* What fell off the bottom can be fetched again from history. */
    const last = this.items[this.items.length - 1];
    if (last) {
      this.oldestCursor = eventKey(last);
      this.exhausted = false;
    }
  }

  /* Cursor for the next history page: the server's next_before when known, else the oldest
   * event held. */
  historyCursor() {
    if (this.oldestCursor) return this.oldestCursor;
    const last = this.items[this.items.length - 1];
    return last ? eventKey(last) : { ts: Date.now(), seq: Number.MAX_SAFE_INTEGER };
  }
}
