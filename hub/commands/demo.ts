// `roomlink demo` (what `npm start` runs): live readings from two simulated rooms.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import type { Command } from '../cli.ts';
import { BrokerStartError } from '../broker/embedded.ts';
import { DashboardStartError } from '../dashboard/dashboard.ts';
import { startDemo, portInUse } from '../demo/demo.ts';
import type { LiveTable } from '../demo/live-table.ts';
import { createLogger } from '../log.ts';

const USAGE = `Usage: roomlink demo [--port N] [--interval S] [--http HOST:PORT | --no-http] [--plain]

Starts the embedded MQTT broker on 127.0.0.1, the hub, and two simulated nodes running the
real firmware: kitchen-1 (temperature, humidity, motion) over a serial link to the hub and
living-1 (temperature, pressure) over MQTT, as a WiFi node. Ctrl-C stops everything.
  --port N       broker port (default 1883; 0 picks a free one)
  --interval S   seconds between readings (default 5)
  --http ADDR    HOST:PORT of the web dashboard (default 127.0.0.1:8080; port 0 picks a free one)
  --no-http      no web dashboard
  --plain        one line per reading instead of the live table (default when piped)`;

async function askForPort(busy: number): Promise<number | undefined> {
  let next = busy + 1;
  while (await portInUse(next)) next++;
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    console.error(`roomlink demo: port ${busy} on 127.0.0.1 is in use (is Mosquitto or another broker running?).\nPick another: npm start -- --port ${next}   (or stop that broker)`);
    return undefined;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = (await rl.question(`Port ${busy} on 127.0.0.1 is in use (is Mosquitto or another broker running?). Use port ${next} instead? [Y/n] `)).trim().toLowerCase();
  rl.close();
  return answer === '' || answer === 'y' || answer === 'yes' ? next : undefined;
}

function header(url: string, port: number, dashboard: string | undefined): string[] {
  return [
    `roomlink demo: broker ${url}, hub, and simulated nodes kitchen-1 (serial) and living-1 (WiFi/MQTT). Ctrl-C stops.`,
    dashboard ? `Dashboard: ${dashboard}   (open it in a browser: rooms, charts, nodes and their actions)` : 'Dashboard: off (--no-http)',
    `Watch it: mosquitto_sub -h 127.0.0.1 -p ${port} -v -t 'home/#'   or   npx roomlink watch --broker ${url}`,
    `Home Assistant: add the MQTT integration pointing at this broker (the demo listens on 127.0.0.1 only; see README, "Home Assistant").`,
  ];
}

export const command: Command = {
  summary: 'live readings from two simulated rooms (what npm start runs)',
  async run(argv) {
    let values;
    try {
      values = parseArgs({
        args: argv,
        options: {
          port: { type: 'string', default: '1883' },
          interval: { type: 'string', default: '5' },
          http: { type: 'string', default: '127.0.0.1:8080' },
          'no-http': { type: 'boolean', default: false },
          plain: { type: 'boolean', default: false },
          'log-level': { type: 'string', default: 'warn' },
          help: { type: 'boolean', short: 'h' },
        },
      }).values;
    } catch (err) {
      console.error(`roomlink demo: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    let port = Number(values.port);
    const interval = Number(values.interval);
    if (!Number.isInteger(port) || port < 0 || port > 65535 || !(interval >= 1 && interval <= 3600)) {
      console.error(`roomlink demo: --port must be 0-65535 and --interval 1-3600\n\n${USAGE}`);
      return 2;
    }
    const level = values['log-level'] as 'debug' | 'info' | 'warn' | 'error';
    const log = createLogger({ level });
    if (await portInUse(port)) {
      const other = await askForPort(port);
      if (other === undefined) return 1;
      port = other;
    }
    const live = !values.plain && process.stdout.isTTY;
    let redraw: NodeJS.Timeout | undefined;
    let demo;
    try {
      demo = await startDemo({
        port,
        interval,
        log,
        http: values['no-http'] ? false : values.http,
        onReading: live ? undefined : (line) => console.log(line),
      });
    } catch (err) {
      if (err instanceof BrokerStartError || err instanceof DashboardStartError) {
        console.error(`roomlink demo: ${err.message}`);
        return 1;
      }
      throw err;
    }
    const top = header(demo.url, demo.port, demo.dashboardUrl);
    if (live) {
      const draw = (table: LiveTable) => {
        process.stdout.write('\x1b[H\x1b[2J' + [...top, '', ...table.render(Date.now())].join('\n') + '\n');
      };
      draw(demo.table);
      redraw = setInterval(() => draw(demo.table), 1000);
    } else {
      for (const line of top) console.log(line);
    }
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    clearInterval(redraw);
    await demo.stop();
    if (live) process.stdout.write('\nroomlink demo stopped.\n');
    return 0;
  },
};
