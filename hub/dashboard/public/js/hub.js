// The Hub section: the hub's own counters (what it publishes on roomlink/bridge/health),
// live: its broker connection, its serial ports, the durable queue, refusals by reason and
// topic conflicts, and the dashboard's history.
import { definitionList, formatAge, formatBytes, formatCount, formatDuration, h, setText } from './dom.js';

const SUMMARY = [
  ['broker', 'Broker'],
  ['uptime', 'Hub running for'],
  ['lines', 'Lines read'],
  ['accepted', 'Readings accepted'],
  ['published', 'Readings published'],
  ['queued', 'Queued for the broker'],
  ['dropped', 'Dropped (queue full)'],
  ['parked', 'Refused by the broker (parked)'],
  ['disk', 'Written to disk (broker slow or away)'],
  ['commands', 'Commands sent'],
  ['history', 'History'],
];

export class HubView {
  constructor(root) {
    this.root = root;
    const { dl, cells } = definitionList(SUMMARY, 'facts hub-facts');
    this.cells = cells;
    this.ports = h('div', { class: 'table-wrap', role: 'region', 'aria-labelledby': 'ports-title', tabindex: 0 });
    this.refusals = h('div', { class: 'table-wrap', role: 'region', 'aria-labelledby': 'refused-title', tabindex: 0 });
    this.conflicts = h('div', { class: 'table-wrap', role: 'region', 'aria-labelledby': 'conflicts-title', tabindex: 0 });
    root.append(
      h('div', { class: 'card' }, dl),
      h('div', { class: 'card' }, h('h3', { id: 'ports-title' }, 'Serial ports'), this.ports),
      h('div', { class: 'card' }, h('h3', { id: 'refused-title' }, 'Refused lines'), this.refusals),
      h('div', { class: 'card' }, h('h3', { id: 'conflicts-title' }, 'Topic conflicts'), this.conflicts),
    );
    this.hub = undefined;
    this.received = 0;
    this.last = {};
  }

  set(hub) {
    this.hub = hub;
    this.received = Date.now();
    this.fill(Date.now());
    this.table(
      this.ports,
      'ports',
      ['Port', 'State', 'Baud', 'Lines', 'Opened', 'Refused', 'Last error'],
      Object.entries(hub.ports ?? {}).map(([id, p]) => [
        id + (p.device ? ` (${p.device})` : '') + (p.chip ? `, ${p.chip}` : ''),
        p.state,
        formatCount(p.baud),
        formatCount(p.lines),
        `${formatCount(p.opens)}×`,
        byReason(p.refused),
        p.last_error ?? '—',
      ]),
      'No serial ports open. Plug in a board, or list ports with --serial.',
    );
    this.table(
      this.refusals,
      'refused',
      ['Reason', 'Lines'],
      Object.entries(hub.refused ?? {})
        .sort((a, b) => b[1] - a[1])
        .map(([reason, n]) => [reason, formatCount(n)]),
      'Nothing refused.',
    );
    this.table(
      this.conflicts,
      'conflicts',
      ['Topic', 'Published by', 'Refused from', 'Values refused'],
      (hub.topic_conflicts ?? []).map((c) => [c.topic, c.owner, c.other, formatCount(c.refused)]),
      'No two nodes share a topic.',
    );
  }

  tick(now) {
    if (this.hub) this.fill(now);
  }

  fill(now) {
    const hub = this.hub;
    const c = this.cells;
    const b = hub.broker ?? {};
    const since = b.since ? `, since ${formatAge(now - b.since).replace(' ago', '')}` : '';
    setText(
      c.broker,
      `${b.connected ? 'Connected' : 'Not connected'}${since}${b.url ? ` — ${b.url}` : ''}${b.connects > 1 ? ` (${b.connects} connections)` : ''}`,
    );
    c.broker.className = b.connected ? 'ok' : 'error';
    setText(c.uptime, formatDuration(hub.uptime_s + (now - this.received) / 1000));
    setText(c.lines, formatCount(hub.lines_read));
    setText(c.accepted, `${formatCount(hub.readings_accepted)} (${formatCount(hub.values_accepted)} values)`);
    setText(c.published, formatCount(hub.published));
    setText(c.queued, formatCount(hub.queued));
    setText(c.dropped, formatCount(hub.dropped));
    c.dropped.className = hub.dropped > 0 ? 'error' : '';
    // Readings the broker refused (MQTT 5 reason code): kept aside in queue.sqlite, not resent.
    const parked = hub.parked ?? { total: 0, by_reason: {} };
    const reasons = Object.entries(parked.by_reason ?? {})
      .map(([reason, n]) => `${reason}: ${formatCount(n)}`)
      .join(', ');
    setText(c.parked, `${formatCount(parked.total)}${reasons ? ` (since start: ${reasons})` : ''}${parked.last ? `; last on ${parked.last.topic}` : ''}`);
    c.parked.className = parked.total > 0 ? 'error' : '';
    setText(c.disk, formatCount(hub.written_to_disk));
    const refusedCommands = Object.values(hub.commands?.refused ?? {}).reduce((a, n) => a + n, 0);
    setText(c.commands, `${formatCount(hub.commands?.sent)}${refusedCommands ? `, ${refusedCommands} refused` : ''}`);
    const hist = hub.dashboard?.history;
    setText(
      c.history,
      hist ? `${formatCount(hist.series)} series, ${formatCount(hist.samples)} points, ${formatBytes(hist.file_bytes)}; kept ${hist.retention_days} days` : '—',
    );
  }

  /** A table (or a line saying there is nothing), rebuilt only when its content changed. */
  table(wrap, name, head, rows, none) {
    const key = JSON.stringify(rows);
    if (this.last[name] === key) return;
    this.last[name] = key;
    if (rows.length === 0) {
      wrap.replaceChildren(h('p', { class: 'muted' }, none));
      return;
    }
    wrap.replaceChildren(
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            head.map((label) => h('th', { scope: 'col' }, label)),
          ),
        ),
        h(
          'tbody',
          {},
          rows.map((cells) =>
            h(
              'tr',
              {},
              cells.map((cell, i) => (i === 0 ? h('th', { scope: 'row' }, cell) : h('td', {}, cell))),
            ),
          ),
        ),
      ),
    );
  }
}

function byReason(refused) {
  const entries = Object.entries(refused ?? {});
  return entries.length ? entries.map(([reason, n]) => `${reason} ${n}`).join(', ') : '0';
}
