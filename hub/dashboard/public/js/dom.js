// Small DOM and formatting helpers shared by the views. No framework: elements are made
// once and their text updated in place, so focus and screen-reader position survive updates.

/** Makes an element: h('p', { class: 'x', 'aria-live': 'polite' }, 'text', child). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'hidden' || key === 'disabled' || key === 'checked') el[key] = Boolean(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Sets text only when it changed (no needless layout, no screen-reader chatter). */
export function setText(el, value) {
  const text = value === undefined || value === null ? '' : String(value);
  if (el.textContent !== text) el.textContent = text;
}

export function toggleClass(el, name, on) {
  if (el.classList.contains(name) !== Boolean(on)) el.classList.toggle(name, Boolean(on));
}

const BINARY_WORDS = {
  motion: ['Motion', 'Clear'],
  occupancy: ['Occupied', 'Clear'],
  door: ['Open', 'Closed'],
};

/** A value as people read it: rounded to the measurement's precision, with its unit. */
export function formatValue(reading, value = reading.value) {
  if (typeof value === 'boolean' || reading.kind === 'binary') {
    const on = value === true || value === 1 || value >= 0.5;
    const words = BINARY_WORDS[reading.measurement] ?? ['On', 'Off'];
    return on ? words[0] : words[1];
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  const digits = reading.precision ?? 1;
  const text = value.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return reading.unit ? `${text} ${reading.unit}` : text;
}

/** "just now", "12 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function formatAge(ms) {
  if (!(ms >= 0)) return 'age unknown';
  const s = Math.round(ms / 1000);
  if (s < 2) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** Seconds as "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatDuration(seconds) {
  if (!(seconds >= 0)) return '—';
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

export function formatTime(ts) {
  return new Date(ts).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function formatBytes(n) {
  if (!(n >= 0)) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function formatCount(n) {
  return typeof n === 'number' ? n.toLocaleString() : '—';
}

/** A <dl> of label/value rows; returns it and the value cells by key, for later updates. */
export function definitionList(rows, className) {
  const cells = {};
  const dl = h('dl', { class: className });
  for (const [key, label] of rows) {
    const dd = h('dd');
    cells[key] = dd;
    dl.append(h('div', { class: `row row-${key}` }, h('dt', {}, label), dd));
  }
  return { dl, cells };
}

/** Text for a screen reader only. */
export function srOnly(text) {
  return h('span', { class: 'sr-only' }, text);
}
