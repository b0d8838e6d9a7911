// One measurement's history as a uPlot chart (uPlot is loaded as a classic script before the
// modules: window.uPlot). Data comes column-wise from /api/history; live readings are added
// at the end. Gaps longer than the node's silence window are drawn as gaps, buckets of the
// day and week views with their min-max band. The canvas is hidden from screen readers; the
// chart's label says what it shows in words (range, lowest, highest, latest).
import { formatValue, h, setText } from './dom.js';

const HEIGHT = 150;

function cssColor(name, fallback) {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

export class Chart {
  /**
   * @param {HTMLElement} parent where the chart goes
   * @param {object} reading the reading it charts (name, unit, kind, precision, measurement)
   */
  constructor(parent, reading) {
    this.reading = reading;
    this.binary = reading.kind === 'binary';
    this.range = 'hour';
    this.step = 0;
    this.gapMs = reading.stale_after_ms ?? 180_000;
    this.from = Date.now() - 3_600_000;
    this.to = Date.now();
    /** Columns: time (ms), value, bucket min, bucket max. */
    this.t = [];
    this.v = [];
    this.lo = [];
    this.hi = [];
    this.live = undefined;
    this.el = h('div', { class: 'chart', role: 'img', 'aria-label': `${reading.name}: no history yet` });
    this.readout = h('p', { class: 'readout', 'aria-hidden': 'true' }, '\u00a0');
    parent.append(this.el, this.readout);
    this.plot = undefined;
    this.resizer = new ResizeObserver(() => this.resize());
    this.resizer.observe(parent);
  }

  create() {
    const width = Math.max(200, this.el.clientWidth || this.el.parentElement.clientWidth || 300);
    const line = cssColor('--chart-line', '#0b63b6');
    const band = cssColor('--chart-band', 'rgba(11,99,182,0.18)');
    const axis = cssColor('--muted', '#555');
    const grid = cssColor('--grid', 'rgba(0,0,0,0.08)');
    const stepped = this.binary ? window.uPlot.paths.stepped({ align: 1 }) : undefined;
    const opts = {
      width,
      height: HEIGHT,
      ms: 1,
      legend: { show: false },
      cursor: { y: false, drag: { x: false, y: false }, points: { size: 6 } },
      scales: {
        x: { time: true, range: () => [this.xMin(), this.to] },
        y: this.binary ? { range: [-0.05, 1.05] } : { range: (_u, min, max) => padRange(min, max) },
      },
      axes: [
        { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, font: '11px system-ui, sans-serif' },
        {
          stroke: axis,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid },
          font: '11px system-ui, sans-serif',
          size: this.binary ? 72 : 50,
          splits: this.binary ? () => [0, 1] : undefined,
          values: this.binary ? (_u, vals) => vals.map((v) => formatValue(this.reading, v)) : undefined,
        },
      ],
      series: [
        {},
        // Points only where there are too few to draw a line (a new measurement, one bucket).
        {
          label: this.reading.name,
          stroke: line,
          width: 1.5,
          points: { show: (_u, _s, i0, i1) => i1 - i0 < 3, size: 6, fill: line },
          spanGaps: false,
          paths: stepped,
        },
        { label: 'lowest', stroke: 'transparent', points: { show: false } },
        { label: 'highest', stroke: 'transparent', points: { show: false } },
      ],
      bands: [{ series: [3, 2], fill: band }],
      hooks: { setCursor: [(u) => this.showCursor(u)] },
    };
    this.plot = new window.uPlot(opts, this.columns(), this.el);
    this.plot.root.querySelector('canvas')?.setAttribute('aria-hidden', 'true');
  }

  /** History from /api/history for `range`. */
  setHistory(series, range) {
    this.range = range;
    this.step = series.step_ms;
    this.from = series.from;
    this.to = Math.max(series.to, Date.now());
    this.t = series.t.slice();
    this.v = series.v.slice();
    this.lo = series.min ? series.min.slice() : series.t.map(() => null);
    this.hi = series.max ? series.max.slice() : series.t.map(() => null);
    this.live = undefined;
    this.draw();
  }

  /** A live reading. */
  add(ts, value) {
    const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    if (typeof v !== 'number' || ts <= 0) return;
    const n = this.t.length;
    if (n > 0 && ts < this.t[n - 1]) return;
    if (this.step > 0) {
      const start = ts - (ts % this.step);
      if (!this.live || this.live.start !== start) this.live = { start, n: 0, sum: 0, min: v, max: v, fresh: true };
      const b = this.live;
      b.n++;
      b.sum += v;
      b.min = Math.min(b.min, v);
      b.max = Math.max(b.max, v);
      if (b.fresh || n === 0 || this.t[n - 1] < start) {
        this.t.push(ts);
        this.v.push(b.sum / b.n);
        this.lo.push(b.min);
        this.hi.push(b.max);
        b.fresh = false;
      } else {
        this.t[n - 1] = ts;
        this.v[n - 1] = b.sum / b.n;
        this.lo[n - 1] = b.min;
        this.hi[n - 1] = b.max;
      }
    } else {
      this.t.push(ts);
      this.v.push(v);
      this.lo.push(null);
      this.hi.push(null);
    }
    this.to = Math.max(ts, Date.now());
    this.from = this.to - spanOf(this.range);
    this.trim();
    this.draw();
  }

  /** Replaces all points at once (and measures nothing else): what the 10,000-point check times. */
  setPoints(t, v) {
    this.t = t;
    this.v = v;
    if (this.lo.length !== t.length) {
      this.lo = new Array(t.length).fill(null);
      this.hi = new Array(t.length).fill(null);
    }
    this.from = t[0] ?? Date.now();
    this.to = t[t.length - 1] ?? Date.now();
    this.step = 0;
    this.draw();
  }

  /** Points for uPlot: gaps longer than the silence window become nulls (drawn as gaps). */
  columns() {
    const gap = this.step > 0 ? Math.max(this.step * 2.5, this.gapMs) : this.gapMs;
    const binaryBuckets = this.binary && this.step > 0;
    let gaps = 0;
    for (let i = 1; i < this.t.length; i++) if (this.t[i] - this.t[i - 1] > gap) gaps++;
    // The common case, and the 10,000-point one: no copy at all.
    if (gaps === 0 && !this.binary) return [this.t, this.v, this.lo, this.hi];
    const t = [];
    const v = [];
    const lo = [];
    const hi = [];
    for (let i = 0; i < this.t.length; i++) {
      if (i > 0 && this.t[i] - this.t[i - 1] > gap) {
        t.push(this.t[i - 1] + 1);
        v.push(null);
        lo.push(null);
        hi.push(null);
      }
      t.push(this.t[i]);
      // Binary buckets: "was it on at all" (the max), not the share of time.
      v.push(binaryBuckets ? this.hi[i] : this.v[i]);
      lo.push(this.binary ? null : this.lo[i]);
      hi.push(this.binary ? null : this.hi[i]);
    }
    return [t, v, lo, hi];
  }

  draw() {
    if (!window.uPlot) return;
    if (!this.plot) this.create();
    else this.plot.batch(() => this.plot.setData(this.columns()));
    this.describe();
  }

  xMin() {
    // A chart with less history than its range starts at its first point, not in emptiness
    // (but shows at least a minute, ten for the day, an hour for the week).
    const first = this.t[0];
    const least = { hour: 60_000, day: 600_000, week: 3_600_000 }[this.range] ?? 60_000;
    return first !== undefined && first > this.from ? Math.max(this.from, Math.min(first, this.to - least)) : this.from;
  }

  trim() {
    let drop = 0;
    while (drop < this.t.length && this.t[drop] < this.from) drop++;
    if (drop > 0) {
      this.t.splice(0, drop);
      this.v.splice(0, drop);
      this.lo.splice(0, drop);
      this.hi.splice(0, drop);
    }
  }

  describe() {
    const r = this.reading;
    const span = { hour: 'last hour', day: 'last day', week: 'last week' }[this.range] ?? this.range;
    let label;
    if (this.t.length === 0) label = `${r.name}, ${span}: no readings`;
    else if (this.binary) {
      const on = this.v.filter((x) => x >= 0.5).length;
      label = `${r.name}, ${span}: ${points(this.t.length)}, ${formatValue(r, 1)} in ${on}; latest ${formatValue(r, this.v[this.v.length - 1])}`;
    } else {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < this.v.length; i++) {
        lo = Math.min(lo, this.lo[i] ?? this.v[i]);
        hi = Math.max(hi, this.hi[i] ?? this.v[i]);
      }
      label = `${r.name}, ${span}: ${points(this.t.length)}, lowest ${formatValue(r, lo)}, highest ${formatValue(r, hi)}, latest ${formatValue(r, this.v[this.v.length - 1])}`;
    }
    if (this.el.getAttribute('aria-label') !== label) this.el.setAttribute('aria-label', label);
    this.el.dataset.points = String(this.t.length);
  }

  showCursor(u) {
    const i = u.cursor.idx;
    if (i === null || i === undefined || u.data[1][i] === null) {
      setText(this.readout, '\u00a0');
      return;
    }
    const when = new Date(u.data[0][i]).toLocaleString(undefined, {
      weekday: this.range === 'week' ? 'short' : undefined,
      hour: '2-digit',
      minute: '2-digit',
      second: this.range === 'hour' ? '2-digit' : undefined,
    });
    const lo = u.data[2][i];
    const hi = u.data[3][i];
    const band = lo !== null && hi !== null && lo !== hi ? ` (${formatValue(this.reading, lo)} – ${formatValue(this.reading, hi)})` : '';
    setText(this.readout, `${when}: ${formatValue(this.reading, u.data[1][i])}${band}`);
  }

  resize() {
    if (!this.plot) return;
    const width = Math.max(200, this.el.parentElement.clientWidth);
    if (Math.abs(width - this.plot.width) > 1) this.plot.setSize({ width, height: HEIGHT });
  }

  destroy() {
    this.resizer.disconnect();
    this.plot?.destroy();
    this.el.remove();
    this.readout.remove();
  }
}

function points(n) {
  return n === 1 ? '1 point' : `${n.toLocaleString('en')} points`;
}

function spanOf(range) {
  return { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 }[range] ?? 3_600_000;
}

function padRange(min, max) {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  const pad = Math.max((max - min) * 0.1, Math.abs(max) * 0.002, 0.1);
  return [min - pad, max + pad];
}
