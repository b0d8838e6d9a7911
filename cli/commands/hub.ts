// `roomlink hub`: bridge USB-serial nodes to MQTT until SIGINT/SIGTERM, then stop reading,
// flush the durable queue, give the broker a moment to take what is queued, and exit 0.
// Whatever the broker did not take is sent after the next start.
import { BrokerStartError } from '../../hub/broker/start-error.ts';
import { DashboardStartError } from '../../hub/dashboard/start-error.ts';
import type { Command } from '../cli.ts';
import { HUB_FLAGS, hubUsage, parseHubArgs, renderHint } from '../../hub/config/args.ts';
import { describeSettings } from '../../hub/config/describe.ts';
import { commandSettings } from '../../hub/config/load.ts';
import { createHub } from '../../hub/hub.ts';
import { createLogger } from '../../hub/log.ts';

/** After a clean stop, handles still open (a stuck port, say) must not keep the process up. */
const EXIT_WATCHDOG_MS = 3000;

async function run(argv: string[]): Promise<number> {
  const loaded = await commandSettings(argv, parseHubArgs, hubUsage);
  if (!loaded) return 0;
  const { settings } = loaded;

  const log = createLogger({ level: settings.log_level });
  for (const line of describeSettings(settings).split('\n')) log.info(line);
  // Hints name this command's flags, or the settings keys it has no flag for.
  const credentials = settings.mqtt.url
    ? '{mqtt.username} and {mqtt.password_file} (or ROOMLINK_MQTT_PASSWORD)'
    : "{broker.username} and {broker.password_file} (the embedded broker's account)";
  const hub = createHub(settings, {
    log,
    hints: { credentials: renderHint(credentials, HUB_FLAGS), clientId: renderHint('{mqtt.client_id}', HUB_FLAGS) },
  });

  // Signals are caught before start: a SIGTERM while connecting still stops cleanly.
  let signalled: (signal: NodeJS.Signals) => void = () => {};
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => (signalled = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn('second signal: exiting without waiting for the broker', { signal });
      process.exit(130);
    }
    signalled(signal);
  };
  let stopping = false;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  try {
    await hub.start();
  } catch (err) {
    if (err instanceof BrokerStartError) {
      log.error(renderHint(err.template, HUB_FLAGS));
      return 1;
    }
    if (err instanceof DashboardStartError) {
      log.error(err.message);
      return 1;
    }
    throw err;
  }
  log.info('hub running', { data_dir: settings.data_dir });

  const signal = await stopSignal;
  stopping = true;
  log.info('stopping', { signal });
  await hub.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', onSignal);
  setTimeout(() => {
    log.warn('something is still open after stop; exiting anyway');
    process.exit(0);
  }, EXIT_WATCHDOG_MS).unref();
  return 0;
}

export const command: Command = {
  flags: HUB_FLAGS,
  run,
};
