// `roomlink bench` (npm run bench): the hub against mosquitto_pub -l and a naive bridge,
// plus the firmware's size and memory. The harness lives in test/bench/.
import type { Command } from '../cli.ts';

export const command: Command = {
  summary: 'benchmark the hub against mosquitto_pub and a naive bridge (issue 7)',
  async run(argv) {
    const { runBench } = await import('../../test/bench/run.ts');
    return runBench(argv);
  },
};
