/* Tape filters: which profiles (none selected = all), underlyings, direction, minimum premium,
 * minimum confidence band, whether abstained events show, and a free-text search over
 * underlying, contract, structure and event id. One predicate serves live, history and
 * replay; `serverQuery` turns the same state into `/flow/smart-money` parameters. The state is
 * kept in localStorage so a reload keeps the trader's view. */

import { PROFILES, el, parseMoney, money, contractShort } from './format.js';

const STORE_KEY = 'smartflow.filters.v1';
const BAND_RANK = { low: 0, medium: 1, high: 2 };

export class Filters {
  constructor(onChange) {
    this.onChange = onChange;
    this.profiles = new Set();
    this.underlyings = [];
    this.direction = '';
    this.minPremium = NaN;
    this.band = '';
    this.showAbstained = true;
    this.search = '';
    this.load();
  }

  load() {
    try {
      const s = JSON.parse(localStorage.getItem(STORE_KEY) || 'null');
      if (!s) return;
      this.profiles = new Set((s.profiles || []).filter((p) => PROFILES.some((x) => x.id === p)));
      this.underlyings = Array.isArray(s.underlyings) ? s.underlyings.map(String) : [];
      this.direction = typeof s.direction === 'string' ? s.direction : '';
      this.minPremium = typeof s.minPremium === 'number' ? s.minPremium : NaN;
      this.band = typeof s.band === 'string' ? s.band : '';
      this.showAbstained = s.showAbstained !== false;
    } catch (e) {
      /* a corrupt saved state is ignored */
    }
  }

  save() {
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify({
        profiles: [...this.profiles], underlyings: this.underlyings, direction: this.direction,
        minPremium: Number.isFinite(this.minPremium) ? this.minPremium : null, band: this.band,
        showAbstained: this.showAbstained,
      }));
    } catch (e) {
      /* storage may be disabled */
    }
  }

  changed() {
    this.save();
    this.syncUI();
    if (this.onChange) this.onChange();
  }

  toggleProfile(id) {
    if (this.profiles.has(id)) this.profiles.delete(id);
    else this.profiles.add(id);
    this.changed();
  }

  clear() {
    this.profiles.clear();
    this.underlyings = [];
    this.direction = '';
    this.minPremium = NaN;
    this.band = '';
    this.showAbstained = true;
    this.search = '';
    this.changed();
  }

  isActive() {
    return this.profiles.size > 0 || this.underlyings.length > 0 || !!this.direction ||
      Number.isFinite(this.minPremium) || !!this.band || !this.showAbstained || !!this.search;
  }

  /* Compiled once per state change: the tape calls it for every row. */
  predicate() {
    const profiles = this.profiles.size ? new Set(this.profiles) : null;
    const unds = this.underlyings.length ? new Set(this.underlyings) : null;
    const dir = this.direction;
    const minP = this.minPremium;
    const band = this.band ? BAND_RANK[this.band] : -1;
    const showAbst = this.showAbstained;
    const q = this.search.trim().toLowerCase();
    return (e) => {
      if (!e) return false;
      if (!showAbst && e.abstained) return false;
      if (profiles && !profiles.has(e.primary_profile_id)) return false;
      if (unds && !unds.has(String(e.underlying_id || '').toUpperCase())) return false;
      if (dir && e.primary_direction !== dir) return false;
      const f = e.features || {};
      if (Number.isFinite(minP) && !(typeof f.total_premium === 'number' && f.total_premium >= minP)) return false;
      if (band >= 0) {
        const s = primaryScore(e);
        if (!s || !(BAND_RANK[s.confidence_band] >= band)) return false;
      }
      if (q) {
        const hay = `${e.underlying_id || ''} ${e.event_id || ''} ${f.option_contract_id || ''} ${
          f.option_contract_id ? contractShort(f.option_contract_id) : ''} ${f.structure_type || ''}`.toLowerCase();
        if (!hay.includes(q)) return false;
      }
      return true;
    };
  }

  /* Parameters for `/flow/smart-money`; the server filters one profile / underlying at a time,
   * so a multi-selection is left to the client predicate. */
  serverQuery() {
    const q = {};
    if (this.profiles.size === 1) q.profile = [...this.profiles][0];
    if (this.underlyings.length === 1) q.underlying_id = this.underlyings[0];
    if (this.direction) q.direction = this.direction;
    if (!this.showAbstained) q.abstained = 'false';
    if (Number.isFinite(this.minPremium)) q.min_premium = this.minPremium;
    if (this.band) q.band = this.band;
    return q;
  }

  /* Wires the controls inside `root` (the filter bar in index.html). */
  bind(root) {
    this.root = root;
    const chips = root.querySelector('[data-role="profile-chips"]');
    PROFILES.forEach((p, i) => {
      chips.append(el('button', {
        type: 'button', class: 'pchip', 'data-profile': p.id, 'data-testid': `filter-profile-${p.id}`,
        title: `${p.label} (key ${i + 1})`, 'aria-pressed': 'false',
        onclick: () => this.toggleProfile(p.id),
      }, el('span', { class: 'k', text: String(i + 1) }), p.short));
    });
    this.und = root.querySelector('[data-role="underlying"]');
    this.dir = root.querySelector('[data-role="direction"]');
    this.minp = root.querySelector('[data-role="min-premium"]');
    this.bandSel = root.querySelector('[data-role="band"]');
    this.abst = root.querySelector('[data-role="abstained"]');
    this.searchBox = root.querySelector('[data-role="search"]');
    this.clearBtn = root.querySelector('[data-role="clear"]');

    this.und.addEventListener('change', () => {
      this.underlyings = this.und.value.split(/[\s,]+/).map((s) => s.trim().toUpperCase()).filter(Boolean);
      this.changed();
    });
    this.dir.addEventListener('change', () => {
      this.direction = this.dir.value;
      this.changed();
    });
    this.minp.addEventListener('change', () => {
      const v = parseMoney(this.minp.value);
      this.minPremium = v;
      this.minp.classList.toggle('bad', this.minp.value.trim() !== '' && !Number.isFinite(v));
      this.changed();
    });
    this.bandSel.addEventListener('change', () => {
      this.band = this.bandSel.value;
      this.changed();
    });
    this.abst.addEventListener('change', () => {
      this.showAbstained = this.abst.checked;
      this.changed();
    });
    let t = null;
    this.searchBox.addEventListener('input', () => {
      clearTimeout(t);
      t = setTimeout(() => {
        this.search = this.searchBox.value;
        this.changed();
      }, 80);
    });
    this.clearBtn.addEventListener('click', () => {
      this.searchBox.value = '';
      this.clear();
    });
    this.syncUI();
  }

  syncUI() {
    if (!this.root) return;
    for (const b of this.root.querySelectorAll('.pchip')) {
      const on = this.profiles.has(b.dataset.profile);
      b.classList.toggle('on', on);
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
    }
    this.root.classList.toggle('solo', this.profiles.size > 0);
    if (document.activeElement !== this.und) this.und.value = this.underlyings.join(',');
    this.dir.value = this.direction;
    if (document.activeElement !== this.minp) {
      this.minp.value = Number.isFinite(this.minPremium) ? money(this.minPremium).replace('$', '') : '';
    }
    this.bandSel.value = this.band;
    this.abst.checked = this.showAbstained;
    if (document.activeElement !== this.searchBox && this.searchBox.value !== this.search) {
      this.searchBox.value = this.search;
    }
    this.clearBtn.disabled = !this.isActive();
  }
}

/* The score of the primary profile, or the top score when there is none. */
export function primaryScore(e) {
  const scores = Array.isArray(e.profile_scores) ? e.profile_scores : [];
  if (e.primary_profile_id) {
    const s = scores.find((x) => x && x.profile_id === e.primary_profile_id);
    if (s) return s;
  }
  return scores[0] || null;
}
