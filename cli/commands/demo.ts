// `roomlink demo` (what `npm start` runs): live readings from two simulated rooms.
import { createInterface } from 'node:readline/promises';
import type { Command } from '../cli.ts';
import { BrokerStartError } from '../../hub/broker/embedded.ts';
import { HELP_FLAG, parseCommandLine, renderHint, usageText, UsageError, type FlagSpec } from '../../hub/config/args.ts';
import { LOG_LEVELS, type LogLevel } from '../../hub/config/schema.ts';
import { DashboardStartError } from '../../hub/dashboard/dashboard.ts';
import { startDemo, portInUse, type Demo } from '../../tools/demo/demo.ts';
import type { LiveTable } from '../../tools/demo/live-table.ts';
import { createLogger } from '../../hub/log.ts';
import { firmwareBuildProgress } from './progress.ts';
import { listenForStop } from './signals.ts';

export const DEMO_FLAGS: readonly FlagSpec[] = [
  // The key only names what --port stands for in hints about the broker.
  { flag: '--port', key: ['broker', 'port'], kind: 'number', metavar: 'N', help: 'broker port on 127.0.0.1 (default 1883; 0 picks a free one)' },
  { flag: '--interval', kind: 'number', metavar: 'S', help: 'seconds between readings, 1-3600 (default 5)' },
  {
    flag: '--http',
    key: ['http', 'listen'],
    kind: 'string',
    metavar: 'HOST:PORT',
    help: 'where the web dashboard listens (default 127.0.0.1:8080; port 0 picks a free one)',
  },
  { flag: '--no-http', key: ['http', 'enabled'], kind: 'false', help: 'no web dashboard' },
  { flag: '--plain', kind: 'true', help: 'one line per reading instead of the live table (default when piped)' },
  { flag: '--log-level', kind: 'string', metavar: 'LEVEL', help: 'debug, info, warn or error (default warn)' },
  HELP_FLAG,
];

export function demoUsage(): string {
  return usageText({
    synopsis: 'roomlink demo [options]        (npm start -- [options])',
    about:
      'Starts the embedded MQTT broker on 127.0.0.1, the hub, and two simulated nodes running the\n' +
      'real firmware: kitchen-1 (temperature, humidity, motion) over a serial link to the hub and\n' +
      'living-1 (temperature, pressure) over MQTT, as a WiFi node. Ctrl-C stops everything.',
    flags: DEMO_FLAGS,
  });
}

async function askForPort(busy: number): Promise<number | undefined> {
  let next = busy + 1;
  while (await portInUse(next)) next++;
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    console.error(
      `roomlink demo: port ${busy} on 127.0.0.1 is in use (is Mosquitto or another broker running?).\nPick another: npm start -- --port ${next}   (or stop that broker)`,
    );
    return undefined;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  // Ctrl-C at the prompt reaches readline, not the process: take it as "no".
  const cancelled = new Promise<string>((resolve) => rl.once('SIGINT', () => resolve('n')));
  const question = `Port ${busy} on 127.0.0.1 is in use (is Mosquitto or another broker running?). Use port ${next} instead? [Y/n] `;
  const answer = (await Promise.race([rl.question(question), cancelled])).trim().toLowerCase();
  rl.close();
  if (answer === '' || answer === 'y' || answer === 'yes') return next;
  console.error(`roomlink demo: not started. Pick a port: npm start -- --port ${next}`);
  return undefined;
}

/** The lines above the table (or the readings, piped); each fits 100 columns. */
export function demoBanner(url: string, port: number, dashboard: string | undefined): string[] {
  return [
    `roomlink demo: broker ${url}, the hub, and two simulated nodes:`,
    dashboard ? `Dashboard: ${dashboard}   (rooms, charts, nodes and their actions)` : 'Dashboard: off (--no-http)',
    '  kitchen-1 over a serial link to the hub, living-1 over WiFi/MQTT. Ctrl-C stops.',
    `Watch it: mosquitto_sub -h 127.0.0.1 -p ${port} -v -t 'home/#'`,
    `      or: npx roomlink watch --broker ${url}`,
    'Home Assistant: see README, "Home Assistant" (this broker listens on 127.0.0.1 only).',
  ];
}

export const command: Command = {
  flags: DEMO_FLAGS,
  async run(argv) {
    const { values } = parseCommandLine(argv, DEMO_FLAGS);
    if (values.help) {
      console.log(demoUsage());
      return 0;
    }
    let port = Number(values.port ?? '1883');
    const interval = Number(values.interval ?? '5');
    const level = (values['log-level'] ?? 'warn') as LogLevel;
    const problems: string[] = [];
    if (!/^\d+$/.test(String(values.port ?? '1883')) || port > 65535) problems.push(`--port must be a port number 0-65535 (got ${values.port})`);
    if (!(interval >= 1 && interval <= 3600)) problems.push(`--interval must be 1-3600 seconds (got ${values.interval})`);
    if (!LOG_LEVELS.includes(level)) problems.push(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got ${level})`);
    if (problems.length > 0) throw new UsageError(problems);
    const log = createLogger({ level });
    const stop = listenForStop();
    if (await portInUse(port)) {
      const other = await askForPort(port);
      if (other === undefined) {
        stop.dispose();
        return 1;
      }
      port = other;
    }
    const live = values.plain !== true && process.stdout.isTTY === true;
    // Said at once: on a first run the firmware build takes seconds.
    const progress = firmwareBuildProgress('roomlink demo: ');
    let redraw: NodeJS.Timeout | undefined;
    // A reading redraws the table within 50 ms, not at the next second's tick.
    let drawSoon: () => void = () => {};
    let pending: NodeJS.Timeout | undefined;
    let demo: Demo;
    try {
      demo = await startDemo({
        port,
        interval,
        log,
        http: values['no-http'] ? false : ((values.http as string | undefined) ?? '127.0.0.1:8080'),
        onReading: live ? () => drawSoon() : (line) => console.log(line),
        onFirmwareBuild: progress.onBuild,
        onFirmwareReady: () => progress.finish(true),
      });
    } catch (err) {
      progress.finish(false);
      stop.dispose();
      if (err instanceof BrokerStartError) {
        // Taken between the check above and the listen: the same advice as the check's.
        const message =
          err.reason === 'port-in-use'
            ? `port ${port} on 127.0.0.1 is in use. Pick another: npm start -- --port 0 (any free port)`
            : renderHint(err.template, DEMO_FLAGS);
        console.error(`roomlink demo: ${message}`);
        return 1;
      }
      if (err instanceof DashboardStartError) {
        console.error(`roomlink demo: ${err.message}`);
        return 1;
      }
      throw err;
    }
    const top = demoBanner(demo.url, demo.port, demo.dashboardUrl);
    if (live) {
      const draw = (table: LiveTable) => {
        process.stdout.write(`\x1b[H\x1b[2J${[...top, '', ...table.render(Date.now())].join('\n')}\n`);
      };
      draw(demo.table);
      redraw = setInterval(() => draw(demo.table), 1000);
      drawSoon = () => {
        pending ??= setTimeout(() => {
          pending = undefined;
          draw(demo.table);
        }, 50);
      };
    } else {
      for (const line of top) console.log(line);
    }
    const signal = await stop.received;
    clearInterval(redraw);
    clearTimeout(pending);
    drawSoon = () => {};
    log.info('stopping', { signal });
    await demo.stop();
    stop.dispose();
    // Piped too: whoever reads the output sees that it ended on purpose.
    console.log(live ? '\nroomlink demo stopped.' : 'roomlink demo stopped.');
    return 0;
  },
};
