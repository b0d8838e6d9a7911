// The Nodes section: one card per node (the hub's serial nodes and the nodes seen on the
// broker), what it said about itself on roomlink/<node>/info, and its actions: identify,
// info, interval and reboot, sent the way roomlink/<node>/set is, with the outcome shown.
import { ApiError, postJson } from './api.js';
import { definitionList, formatAge, formatDuration, formatTime, h, setText, toggleClass } from './dom.js';

const FACTS = [
  ['room', 'Room'],
  ['transport', 'Transport'],
  ['port', 'Port'],
  ['firmware', 'Firmware'],
  ['board', 'Board'],
  ['interval', 'Interval'],
  ['uptime', 'Uptime'],
  ['memory', 'Free memory'],
  ['rssi', 'WiFi signal'],
  ['queued', 'Queued readings'],
  ['seen', 'Last heard'],
  ['measurements', 'Measures'],
];

export class NodesView {
  constructor(list, empty, confirmDialog) {
    this.list = list;
    this.empty = empty;
    this.dialog = confirmDialog;
    this.cards = new Map();
  }

  setAll(nodes) {
    const keep = new Set(nodes.map((n) => n.id));
    for (const id of [...this.cards.keys()]) if (!keep.has(id)) this.remove(id);
    for (const node of nodes) this.update(node);
    this.empty.hidden = this.cards.size > 0;
  }

  update(node) {
    if (node.removed) {
      this.remove(node.id);
    } else {
      let card = this.cards.get(node.id);
      if (!card) {
        card = this.makeCard(node);
        this.cards.set(node.id, card);
        const next = [...this.cards.keys()].sort().find((other) => other > node.id);
        this.list.insertBefore(card.el, next ? this.cards.get(next).el : null);
      }
      card.node = node;
      this.fill(card, Date.now());
    }
    this.empty.hidden = this.cards.size > 0;
  }

  tick(now) {
    for (const card of this.cards.values()) this.fill(card, now);
  }

  remove(id) {
    this.cards.get(id)?.el.remove();
    this.cards.delete(id);
  }

  makeCard(node) {
    const id = node.id;
    const headingId = `node-${id}`;
    const status = h('span', { class: 'status' });
    const subtitle = h('p', { class: 'subtitle' });
    const { dl, cells } = definitionList(FACTS, 'facts');
    const errors = h('div', { class: 'errors' });
    const result = h('p', { class: 'result', role: 'status', 'aria-live': 'polite' });
    const intervalId = `interval-${id}`;
    const intervalInput = h('input', { id: intervalId, name: 'interval', type: 'number', min: 1, max: 86400, step: 1, inputmode: 'numeric', required: true });
    const buttons = [];
    const button = (label, action, cls) => {
      const b = h('button', { type: 'button', class: cls, 'data-action': action }, label);
      buttons.push(b);
      return b;
    };
    const card = { node, el: undefined, status, subtitle, cells, errors, result, intervalInput, buttons, busy: false };
    const identify = button('Identify', 'identify');
    identify.addEventListener('click', () => this.send(card, { identify: true }));
    const info = button('Ask for info', 'info');
    info.addEventListener('click', () => this.send(card, { info: true }));
    const reboot = button('Reboot…', 'reboot', 'danger');
    reboot.addEventListener('click', () => this.confirmReboot(card));
    const setInterval = h('button', { type: 'submit', 'data-action': 'interval' }, 'Set interval');
    buttons.push(setInterval);
    const form = h(
      'form',
      {
        class: 'interval',
        onsubmit: (e) => {
          e.preventDefault();
          this.send(card, { interval: Number(intervalInput.value) });
        },
      },
      h('label', { for: intervalId }, 'Interval (s)'),
      intervalInput,
      setInterval,
    );
    const actions = h('div', { class: 'actions', role: 'group', 'aria-label': `Actions for ${id}` }, identify, info, form, reboot);
    card.actions = actions;
    card.el = h(
      'article',
      { class: 'card node', 'aria-labelledby': headingId, 'data-node': id },
      h('div', { class: 'node-head' }, h('h3', { id: headingId }, id), status),
      subtitle,
      dl,
      errors,
      actions,
      result,
    );
    return card;
  }

  fill(card, now) {
    const n = card.node;
    setText(card.status, n.status);
    card.status.className = `status status-${n.status}`;
    toggleClass(card.el, 'is-offline', n.status === 'offline');
    setText(card.subtitle, [n.name, n.source === 'hub' ? 'on this hub' : 'seen on the broker'].filter(Boolean).join(' · '));
    const c = card.cells;
    const asOf = n.info_at ? ` (as of ${formatAge(now - n.info_at)})` : '';
    setText(c.room, n.room ?? '—');
    setText(c.transport, n.transport === 'wifi' ? 'WiFi' : n.transport === 'serial' ? 'USB serial' : (n.transport ?? '—'));
    setText(c.port, n.port ?? (n.source === 'hub' ? '—' : 'not on this hub'));
    setText(c.firmware, n.version ? `roomlink ${n.version}` : n.firmware ? 'roomlink' : 'other device');
    setText(c.board, n.board ?? '—');
    setText(c.interval, n.interval ? `${n.interval} s` : '—');
    // Uptime goes on while the node is online; the rest is as of its last info.
    const uptime = n.uptime_s !== undefined && n.info_at ? n.uptime_s + (n.status === 'online' ? (now - n.info_at) / 1000 : 0) : n.uptime_s;
    setText(c.uptime, uptime !== undefined ? formatDuration(uptime) : '—');
    setText(c.memory, n.free_blocks !== undefined ? `${n.free_blocks.toLocaleString()} blocks${asOf}` : '—');
    setText(c.rssi, n.rssi !== undefined ? `${n.rssi} dBm${asOf}` : '—');
    setText(c.queued, n.queued !== undefined ? `${n.queued}${n.dropped ? `, ${n.dropped} dropped` : ''}${asOf}` : '—');
    setText(c.seen, n.last_seen ? formatAge(now - n.last_seen) : 'not since the hub started');
    setText(c.measurements, n.measurements.length ? n.measurements.join(', ') : '—');
    for (const [key, cell] of Object.entries(c))
      cell.parentElement.hidden = cell.textContent === '—' && (key === 'port' || key === 'board' || key === 'rssi' || key === 'queued');
    this.fillErrors(card, n, now);
    const canCommand = n.source === 'hub' || n.firmware;
    card.actions.hidden = !canCommand;
    if (card.intervalInput.value === '' && document.activeElement !== card.intervalInput && n.interval) card.intervalInput.value = String(n.interval);
  }

  fillErrors(card, n, now) {
    const text = n.errors.map((e) => `${e.source}: ${e.message}${e.at ? ` (${formatAge(now - e.at)})` : ''}`).join('\n');
    if (card.errors.dataset.text === text) return;
    card.errors.dataset.text = text;
    card.errors.replaceChildren();
    if (n.errors.length === 0) return;
    card.errors.append(
      h('h4', {}, 'Last errors'),
      h(
        'ul',
        {},
        n.errors.map((e) => h('li', {}, h('strong', {}, `${e.source}: `), e.message, e.at ? h('span', { class: 'muted' }, ` (${formatTime(e.at)})`) : '')),
      ),
    );
  }

  async confirmReboot(card) {
    const id = card.node.id;
    const text = this.dialog.querySelector('#confirm-text');
    setText(
      text,
      `${id} restarts and is away for a few seconds. Readings it takes meanwhile are kept on the node${card.node.transport === 'serial' ? '' : ' and sent once it is back'}.`,
    );
    this.dialog.returnValue = '';
    const answer = await new Promise((resolve) => {
      this.dialog.addEventListener('close', () => resolve(this.dialog.returnValue), { once: true });
      this.dialog.showModal();
    });
    if (answer === 'ok') this.send(card, { reboot: true });
    else card.buttons.find((b) => b.dataset.action === 'reboot')?.focus();
  }

  async send(card, command) {
    if (card.busy) return;
    const action = Object.keys(command)[0];
    card.busy = true;
    // aria-disabled, not disabled: the button keeps the keyboard focus while the command runs.
    for (const b of card.buttons) b.setAttribute('aria-disabled', 'true');
    card.result.className = 'result';
    setText(card.result, `${action}: sending…`);
    try {
      const result = await postJson(`api/nodes/${encodeURIComponent(card.node.id)}/command`, command);
      card.result.className = `result ${result.answered === false ? 'warn' : 'ok'}`;
      setText(card.result, result.message);
      if (result.info) this.update(result.info);
    } catch (err) {
      card.result.className = 'result error';
      setText(card.result, err instanceof ApiError ? `${action} refused: ${err.message}` : `${action} failed: ${err.message}`);
    } finally {
      card.busy = false;
      for (const b of card.buttons) b.removeAttribute('aria-disabled');
    }
  }
}
