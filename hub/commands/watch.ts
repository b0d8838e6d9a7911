// `roomlink watch [filter]`: readings as they arrive, with units and the node behind them.
import mqtt from 'mqtt';
import { parseArgs } from 'node:util';
import type { Command } from '../cli.ts';
import { DEFAULT_PREFIXES, topicFilterProblem, type TopicPrefixes } from '../../shared/topics.ts';
import { decodeReading, formatReading, NodeDirectory } from '../watch/readings.ts';
import { redactUrl } from '../config/index.ts';

const USAGE = `Usage: roomlink watch [FILTER] [--broker URL] [--json]

Subscribes to FILTER (default home/#) and prints each reading with its unit and node.
  --broker URL     broker to watch (default mqtt://127.0.0.1:1883, or ROOMLINK_BROKER)
  --json           one JSON object per reading, for scripts
  --readings P     reading topic prefix (default home)
  --discovery P    Home Assistant discovery prefix (default homeassistant)`;

export const command: Command = {
  summary: 'print readings as they arrive, with units and nodes',
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          broker: { type: 'string' },
          json: { type: 'boolean', default: false },
          readings: { type: 'string' },
          discovery: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (err) {
      console.error(`roomlink watch: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    const { values, positionals } = parsed;
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const prefixes: TopicPrefixes = { ...DEFAULT_PREFIXES, readings: values.readings ?? 'home', discovery: values.discovery ?? 'homeassistant' };
    const filter = positionals[0] ?? `${prefixes.readings}/#`;
    const problem = topicFilterProblem(filter);
    if (problem) {
      console.error(`roomlink watch: ${problem}`);
      return 2;
    }
    const url = values.broker ?? process.env.ROOMLINK_BROKER ?? 'mqtt://127.0.0.1:1883';
    const client = mqtt.connect(url, { reconnectPeriod: 1000, connectTimeout: 5000 });
    const nodes = new NodeDirectory();
    let warned = false;
    client.on('error', (err) => {
      if (!warned) console.error(`roomlink watch: ${redactUrl(url)}: ${err.message} (retrying)`);
      warned = true;
    });
    client.on('connect', () => {
      warned = false;
      if (!values.json) console.error(`watching ${filter} on ${redactUrl(url)} (Ctrl-C to stop)`);
      // Discovery first, so retained readings arrive after the node that owns them is known.
      client.subscribe([`${prefixes.discovery}/device/+/config`, filter], { qos: 1 });
    });
    client.on('message', (topic, payload, packet) => {
      if (nodes.learn(topic, payload.toString(), prefixes)) return;
      const reading = decodeReading(topic, payload.toString(), packet.retain, prefixes, nodes);
      if (!reading) return;
      console.log(values.json ? JSON.stringify(reading) : formatReading(reading, new Date()));
    });
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await client.endAsync();
    return 0;
  },
};
