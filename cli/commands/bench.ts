// `roomlink bench` (npm run bench): the hub against mosquitto_pub -l and a naive bridge,
// plus the firmware's size and memory. The harness lives in bench/.
import type { Command } from '../cli.ts';
import { parseCommandLine, type FlagSpec } from '../../hub/config/args.ts';

export const command: Command = {
  summary: 'benchmark the hub against mosquitto_pub and a naive bridge (issue 7)',
  async run(argv) {
    const { runBench, BENCH_OPTIONS } = await import('../../bench/run.ts');
    // Mistakes read as in every other command (unknown option with "did you mean", exit 2).
    const table: FlagSpec[] = Object.entries(BENCH_OPTIONS).map(([name, o]) => ({
      flag: `--${name}`,
      ...('short' in o ? { short: o.short } : {}),
      kind: o.type === 'boolean' ? 'true' : 'multiple' in o ? 'list' : 'string',
      help: '',
    }));
    parseCommandLine(argv, table);
    return runBench(argv);
  },
};
