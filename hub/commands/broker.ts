// `roomlink broker`: the embedded MQTT broker on its own, until SIGINT/SIGTERM. Settings
// come from the same file/environment as the hub (its `broker` section) under the flags.
import { startEmbeddedBroker, BrokerStartError } from '../broker/embedded.ts';
import { embeddedBrokerOptions } from '../broker/from-settings.ts';
import type { Command } from '../cli.ts';
import { brokerUsage, parseBrokerArgs } from '../config/args.ts';
import { commandSettings } from '../config/load.ts';
import { createLogger } from '../log.ts';

async function run(argv: string[]): Promise<number> {
  const settings = await commandSettings('broker', argv, parseBrokerArgs, brokerUsage);
  if (typeof settings === 'number') return settings;

  const log = createLogger({ level: settings.log_level }).child('broker');
  let running;
  try {
    running = await startEmbeddedBroker(embeddedBrokerOptions(settings, log));
  } catch (err) {
    if (err instanceof BrokerStartError) {
      log.error(err.message);
      return 1;
    }
    throw err;
  }

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log.info('stopping', { signal });
  await running.close();
  return 0;
}

export const command: Command = {
  summary: 'run the embedded MQTT broker on its own',
  run,
};
