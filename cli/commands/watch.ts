// `roomlink watch [filter]`: readings as they arrive, with units and the node behind them.
// The broker and its credentials come from the hub's settings (file, environment) under the
// flags, so `roomlink watch` watches the broker the hub publishes to.
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import type { Command } from '../cli.ts';
import { DEFAULT_PREFIXES, topicFilterProblem, type TopicPrefixes } from '../../shared/topics.ts';
import { parseWatchArgs, renderHint, UsageError, watchUsage, WATCH_FLAGS } from '../../hub/config/args.ts';
import { mqttConnectOptions } from '../../hub/config/client-options.ts';
import { commandSettings } from '../../hub/config/load.ts';
import { redactUrl } from '../../hub/config/redact.ts';
import { authFailure } from '../../hub/mqtt/connection.ts';
import { decodeReading, formatReading, NodeDirectory } from '../../tools/watch/readings.ts';
import { listenForStop } from './signals.ts';

/** The embedded broker's address as a client reaches it (0.0.0.0 listens on loopback too). */
function embeddedBrokerUrl(host: string, port: number): string {
  const target = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `mqtt://${target}:${port}`;
}

export const command: Command = {
  flags: WATCH_FLAGS,
  positionals: { max: 1 },
  async run(argv) {
    const loaded = await commandSettings(argv, parseWatchArgs, watchUsage);
    if (!loaded) return 0;
    const { settings, args } = loaded;
    const prefixes: TopicPrefixes = { ...DEFAULT_PREFIXES, ...settings.topics };
    const filter = args.positionals[0] ?? `${prefixes.readings}/#`;
    const problem = topicFilterProblem(filter);
    if (problem) throw new UsageError(`topic filter ${JSON.stringify(filter)}: ${problem}`);
    const json = args.values.json === true;

    const stop = listenForStop();
    const target = await mqttConnectOptions(settings, embeddedBrokerUrl(settings.broker.host, settings.broker.port));
    const shown = redactUrl(target.url);
    // Never the hub's client id: the broker would disconnect the hub to let this one in.
    const clientId = `roomlink-watch-${randomBytes(4).toString('hex')}`;
    const client = mqtt.connect(target.url, { ...target.options, clientId, reconnectPeriod: 1000, connectTimeout: 5000 });
    const nodes = new NodeDirectory();
    let warned = false;
    // MQTT.js gives up after a refused login and leaves nothing running: without a handle of
    // our own, Node would end with exit code 13 (an unsettled top-level await) and no word.
    const keepAlive = setInterval(() => {}, 1 << 30);
    let finish: (code: number) => void = () => {};
    const finished = new Promise<number>((resolve) => (finish = resolve));
    client.on('error', (err) => {
      const auth = authFailure(err);
      if (auth) {
        const credentials = settings.mqtt.url ? '{mqtt.username} and {mqtt.password_file}' : '{broker.username} and {broker.password_file}';
        const who = target.options.username ? `for user "${target.options.username}"` : 'without a user name';
        console.error(
          `roomlink watch: ${shown}: authentication failed ${who} (${auth}): check ${renderHint(credentials, WATCH_FLAGS)} ` +
            '(or ROOMLINK_MQTT_USERNAME and ROOMLINK_MQTT_PASSWORD)',
        );
        finish(1);
        return;
      }
      if (!warned) console.error(`roomlink watch: ${shown}: ${err.message} (retrying every second)`);
      warned = true;
    });
    client.on('connect', () => {
      warned = false;
      if (!json) console.error(`watching ${filter} on ${shown} (Ctrl-C to stop)`);
      // Discovery first, so retained readings arrive after the node that owns them is known.
      client.subscribe([`${prefixes.discovery}/device/+/config`, filter], { qos: 1 }, (err, granted) => {
        const refused = granted?.filter((g) => g.qos === 128).map((g) => g.topic) ?? [];
        if (err || refused.length > 0)
          console.error(
            `roomlink watch: the broker refused the subscription to ${refused.join(', ') || filter}${err ? `: ${err.message}` : ''} (not allowed for this user?)`,
          );
      });
    });
    client.on('message', (topic, payload, packet) => {
      if (nodes.learn(topic, payload.toString(), prefixes)) return;
      const reading = decodeReading(topic, payload.toString(), packet.retain, prefixes, nodes);
      if (!reading) return;
      console.log(json ? JSON.stringify(reading) : formatReading(reading, new Date()));
    });
    void stop.received.then(() => finish(0));
    const code = await finished;
    stop.dispose();
    clearInterval(keepAlive);
    await client.endAsync(true);
    return code;
  },
};
