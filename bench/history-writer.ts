// What the dashboard adds to the bridge's hot path, measured in one process: Bridge.line()
// over 200,000 serial lines (decode, attribute, queue each value in the real durable queue)
// without and with the dashboard's listener on the 'reading' event (latest value per topic
// plus HistoryStore.record(), with the history flushed once a second of readings, as the
// hub does). Alternating rounds, median CPU time per line. The other half of the dashboard's
// cost at high rates, the hub's own readings coming back on <readings>/#, is in
// `npm run bench` (hub vs a hub with http.enabled: false).
//   npx tsx bench/history-writer.ts [lines]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bridge } from '../hub/bridge/bridge.ts';
import { HubEvents } from '../hub/core/events.ts';
import { NodeRegistry } from '../hub/core/nodes.ts';
import { hubSettingsSchema } from '../hub/config/schema.ts';
import { HistoryStore, type SeriesHandle } from '../hub/dashboard/history.ts';
import { House } from '../hub/dashboard/house.ts';
import { createLogger } from '../hub/log.ts';
import { MessageRenderer } from '../hub/mqtt/messages.ts';
import type { Publisher } from '../hub/mqtt/publisher.ts';
import { DurableQueue } from '../hub/queue/durable-queue.ts';
import type { HubPort } from '../hub/serial/port-manager.ts';

const LINES = Number(process.argv[2] ?? 200_000);
const ROUNDS = 5;

function run(withHistory: boolean): number {
  const dir = mkdtempSync(join(tmpdir(), 'roomlink-micro-'));
  const settings = hubSettingsSchema.parse({ data_dir: dir, http: { enabled: false } });
  const events = new HubEvents();
  const nodes = new NodeRegistry(events);
  const queue = new DurableQueue({ file: join(dir, 'queue.sqlite'), maxMessages: 10_000_000, flushIntervalMs: 200 });
  queue.open();
  const renderer = new MessageRenderer(settings.topics, { qos: 1, retain: true });
  // The hub's Publisher.reading(): render, push into the durable queue (the pump is not
  // connected here, so nothing is sent).
  const publisher = {
    reading(data: { room: string; measurement: string; value: number | boolean }) {
      const { topic, payload } = renderer.render('reading', data);
      queue.push(topic, payload);
    },
  } as unknown as Publisher;
  const bridge = new Bridge({ settings, prefixes: settings.topics, nodes, publisher, events, log: createLogger({ level: 'error' }) });
  const history = new HistoryStore({ file: join(dir, 'history.sqlite'), retentionDays: 7 });
  if (withHistory) {
    history.open();
    const house = new House({ settings, prefixes: settings.topics, nodes, timeoutMs: () => 180_000, portRefusals: () => undefined });
    // As Dashboard.serialReading() does it.
    events.on('reading', (node, room, measurement, value, at) => {
      const r = house.serialReading(node.id, room, measurement, value, at);
      let series = r.series as SeriesHandle | undefined;
      if (series === undefined || series.gone) series = r.series = history.seriesFor(room, measurement, node.id);
      if (series !== undefined) history.recordTo(series, node.id, typeof value === 'boolean' ? (value ? 1 : 0) : value, at);
    });
  }
  const port = { id: '/dev/ttyBENCH', settings: { path: '/dev/ttyBENCH' } } as unknown as HubPort;
  const lines = Array.from(
    { length: 1000 },
    (_, i) => `{"node":"bench-1","room":"lab","temperature":${(20 + (i % 100) / 10).toFixed(1)},"humidity":${40 + (i % 50)},"seq":${i}}`,
  );
  const start = process.cpuUsage();
  const wall = performance.now();
  let lastFlush = wall;
  let lastHistory = wall;
  for (let i = 0; i < LINES; i++) {
    bridge.line(port, lines[i % 1000]!);
    // The queue flushes every 200 ms and the history every second, by the clock as in the hub.
    if ((i & 255) === 0) {
      const now = performance.now();
      if (now - lastFlush >= 200) {
        queue.flush();
        lastFlush = now;
      }
      if (withHistory && now - lastHistory >= 1000) {
        history.flush();
        lastHistory = now;
      }
    }
  }
  queue.flush();
  if (withHistory) history.flush();
  const used = process.cpuUsage(start);
  history.close();
  queue.close();
  rmSync(dir, { recursive: true, force: true });
  return (used.user + used.system) / LINES;
}

const without: number[] = [];
const withHist: number[] = [];
run(false);
run(true);
for (let r = 0; r < ROUNDS; r++) {
  without.push(run(false));
  withHist.push(run(true));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const a = median(without);
const b = median(withHist);
console.log(`Bridge.line() over ${LINES.toLocaleString()} lines of 2 values, CPU per line (median of ${ROUNDS} alternating rounds):`);
console.log(`  without the dashboard's listener: ${a.toFixed(2)} µs   (runs ${without.map((x) => x.toFixed(2)).join(', ')})`);
console.log(`  with latest values + history:    ${b.toFixed(2)} µs   (runs ${withHist.map((x) => x.toFixed(2)).join(', ')})`);
console.log(`  ratio ${(b / a).toFixed(3)}`);
