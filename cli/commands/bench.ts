// `roomlink bench` (npm run bench): the hub against mosquitto_pub -l and a naive bridge,
// plus the firmware's size and memory. The harness lives in bench/; its flags (bench/flags.ts)
// are read by the same parser as every other command's.
import type { Command } from '../cli.ts';
import { BENCH_FLAGS } from '../../bench/flags.ts';

export const command: Command = {
  flags: BENCH_FLAGS,
  async run(argv) {
    const { runBench } = await import('../../bench/run.ts');
    return runBench(argv);
  },
};
