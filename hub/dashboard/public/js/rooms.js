// The Rooms section: one card per room, one row per measurement with its latest value, the
// node that sent it and its age, and a chart of its history. A value older than its node's
// silence window is greyed and says "stale"; a value from an offline node says "offline".
import { Chart } from './chart.js';
import { formatAge, formatValue, h, setText, srOnly, toggleClass } from './dom.js';
import { getJson } from './api.js';

export class RoomsView {
  constructor(list, empty) {
    this.list = list;
    this.empty = empty;
    /** room → { card, rows: Map<measurement, row>, list } */
    this.rooms = new Map();
    /** "room/measurement" → row { reading, el, value, node, age, badges, chart } */
    this.rows = new Map();
    this.nodes = new Map();
    this.range = 'hour';
    this.loading = new Map();
  }

  /** The whole picture (first event of every stream). */
  setAll(rooms, nodes) {
    this.setNodes(nodes);
    const keep = new Set();
    for (const room of rooms) {
      for (const reading of room.readings) {
        keep.add(`${reading.room}/${reading.measurement}`);
        this.upsert(reading, room.title);
      }
    }
    for (const key of [...this.rows.keys()]) if (!keep.has(key)) this.removeRow(key);
    this.updateEmpty();
    this.loadHistory();
  }

  /** Live readings. */
  update(readings) {
    for (const reading of readings) {
      const key = `${reading.room}/${reading.measurement}`;
      const fresh = !this.rows.has(key);
      const row = this.upsert(reading);
      if (fresh) this.loadRoom(reading.room);
      else if (reading.ts > 0) row.chart.add(reading.ts, reading.value);
    }
    this.updateEmpty();
  }

  setNodes(nodes) {
    this.nodes = new Map(nodes.map((n) => [n.id, n]));
    this.tick(Date.now());
  }

  setNode(node) {
    if (node.removed) this.nodes.delete(node.id);
    else this.nodes.set(node.id, node);
    this.tick(Date.now());
  }

  setRange(range) {
    this.range = range;
    this.loadHistory();
  }

  /** Ages, staleness and offline marks, once a second. */
  tick(now) {
    for (const row of this.rows.values()) {
      const r = row.reading;
      const age = r.ts > 0 ? now - r.ts : -1;
      setText(row.age, r.ts > 0 ? formatAge(age) : 'age unknown (kept by the broker)');
      if (r.ts > 0) row.age.setAttribute('datetime', new Date(r.ts).toISOString());
      const node = r.node ? this.nodes.get(r.node) : undefined;
      const offline = node?.status === 'offline';
      const stale = r.ts <= 0 || age > (r.stale_after_ms ?? Infinity);
      toggleClass(row.el, 'stale', stale);
      toggleClass(row.el, 'offline', offline);
      row.staleBadge.hidden = !stale || offline;
      row.offlineBadge.hidden = !offline;
    }
  }

  upsert(reading, title) {
    const key = `${reading.room}/${reading.measurement}`;
    let row = this.rows.get(key);
    if (!row) {
      const room = this.room(reading.room, title);
      row = this.makeRow(reading);
      this.rows.set(key, row);
      room.rows.set(reading.measurement, row);
      room.list.append(row.el);
    }
    row.reading = reading;
    setText(row.value, formatValue(reading));
    setText(row.node, reading.node ?? 'unknown node');
    this.tick(Date.now());
    return row;
  }

  room(id, title) {
    let room = this.rooms.get(id);
    if (room) return room;
    const headingId = `room-${id}`;
    const list = h('ul', { class: 'readings' });
    const card = h('section', { class: 'card room', 'aria-labelledby': headingId, 'data-room': id }, h('h3', { id: headingId }, title ?? titleOf(id)), list);
    room = { card, list, rows: new Map() };
    this.rooms.set(id, room);
    // Rooms in alphabetical order.
    const next = [...this.rooms.keys()].sort().find((other) => other > id);
    this.list.insertBefore(card, next ? this.rooms.get(next).card : null);
    return room;
  }

  makeRow(reading) {
    const value = h('span', { class: 'value' });
    const node = h('span', { class: 'node' });
    const age = h('time', { class: 'age' });
    const staleBadge = h('span', { class: 'badge stale-badge', hidden: true }, 'stale');
    const offlineBadge = h('span', { class: 'badge offline-badge', hidden: true }, 'node offline');
    const chartBox = h('div', { class: 'chart-box' });
    const el = h(
      'li',
      { class: 'reading', 'data-key': `${reading.room}/${reading.measurement}`, 'data-room': reading.room, 'data-measurement': reading.measurement },
      h('div', { class: 'reading-head' }, h('span', { class: 'name' }, reading.name, srOnly(': ')), value),
      h('p', { class: 'meta' }, node, h('span', { 'aria-hidden': 'true' }, ' · '), srOnly(', '), age, ' ', staleBadge, offlineBadge),
      chartBox,
    );
    const chart = new Chart(chartBox, reading);
    return { reading, el, value, node, age, staleBadge, offlineBadge, chart };
  }

  removeRow(key) {
    const row = this.rows.get(key);
    if (!row) return;
    row.chart.destroy();
    row.el.remove();
    this.rows.delete(key);
    const room = this.rooms.get(row.reading.room);
    room?.rows.delete(row.reading.measurement);
    if (room && room.rows.size === 0) {
      room.card.remove();
      this.rooms.delete(row.reading.room);
    }
  }

  updateEmpty() {
    this.empty.hidden = this.rows.size > 0;
  }

  loadHistory() {
    for (const room of this.rooms.keys()) this.loadRoom(room);
  }

  /** Charts of one room from /api/history (one request per room). */
  async loadRoom(room) {
    const range = this.range;
    const token = `${room}:${range}:${Date.now()}`;
    this.loading.set(room, token);
    let body;
    try {
      body = await getJson(`api/history?room=${encodeURIComponent(room)}&range=${range}`);
    } catch (err) {
      if (err.status !== 404) console.warn('history', room, err.message);
      body = { series: [] };
    }
    // A newer request (another range) wins.
    if (this.loading.get(room) !== token) return;
    const seen = new Set();
    for (const series of body.series) {
      const row = this.rows.get(`${series.room}/${series.measurement}`);
      if (!row) continue;
      seen.add(series.measurement);
      row.chart.setHistory(series, range);
    }
    for (const [measurement, row] of this.rooms.get(room)?.rows ?? []) {
      if (!seen.has(measurement)) row.chart.setHistory({ step_ms: 0, from: Date.now() - 3_600_000, to: Date.now(), t: [], v: [] }, range);
    }
  }

  /** The chart of one measurement (for the browser tests and the console). */
  chart(key) {
    return this.rows.get(key)?.chart;
  }
}

function titleOf(room) {
  return room
    .split(/[_-]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}
