// `roomlink broker`: the embedded MQTT broker on its own, until SIGINT/SIGTERM. Settings
// come from the same file/environment as the hub (its `broker` section) under the flags.
import { startEmbeddedBroker, BrokerStartError, type EmbeddedBroker } from '../../hub/broker/embedded.ts';
import { embeddedBrokerOptions } from '../../hub/broker/from-settings.ts';
import type { Command } from '../cli.ts';
import { BROKER_FLAGS, brokerUsage, parseBrokerArgs, renderHint } from '../../hub/config/args.ts';
import { commandSettings } from '../../hub/config/load.ts';
import { createLogger } from '../../hub/log.ts';
import { listenForStop } from './signals.ts';

async function run(argv: string[]): Promise<number> {
  const loaded = await commandSettings(argv, parseBrokerArgs, brokerUsage);
  if (!loaded) return 0;
  const { settings } = loaded;

  const log = createLogger({ level: settings.log_level }).child('broker');
  const stop = listenForStop();
  let running: EmbeddedBroker;
  try {
    running = await startEmbeddedBroker(embeddedBrokerOptions(settings, log));
  } catch (err) {
    stop.dispose();
    if (err instanceof BrokerStartError) {
      log.error(renderHint(err.template, BROKER_FLAGS));
      return 1;
    }
    throw err;
  }

  const signal = await stop.received;
  log.info('stopping', { signal });
  await running.close();
  stop.dispose();
  return 0;
}

export const command: Command = {
  flags: BROKER_FLAGS,
  run,
};
