// The flags of `roomlink bench`, read by the one parser every command uses
// (hub/config/args.ts: parseCommandLine), and its `--help`. Not settings: the bench's own
// knobs. Kept apart from run.ts so that the command knows its flags without loading the
// harness.
import { HELP_FLAG, usageText, type FlagSpec } from '../hub/config/args.ts';

export const BENCH_FLAGS: readonly FlagSpec[] = [
  { flag: '--quick', kind: 'true', help: 'short smoke run (< 1 minute): small sizes, one round, no profile' },
  { flag: '--only', kind: 'string', metavar: 'LIST', help: 'parts to run, comma separated (footprint = outage; default all)' },
  { flag: '--skip', kind: 'string', metavar: 'LIST', help: 'parts to leave out, comma separated' },
  { flag: '--paths', kind: 'string', metavar: 'LIST', help: 'contenders (default mosquitto_pub,naive,hub and every hub@NAME)' },
  { flag: '--qos', kind: 'string', metavar: 'LIST', help: 'QoS levels for throughput and latency (default 0,1; latency 1 with --quick)' },
  { flag: '--runs', kind: 'string', metavar: 'N', help: 'alternating rounds per measurement, median reported (default 3; 1 with --quick)' },
  { flag: '--lines', kind: 'string', metavar: 'N', help: 'throughput readings per run (default 200000; 10000 with --quick)' },
  { flag: '--mosquitto-pub-segment', kind: 'string', metavar: 'N', help: 'lines per mosquitto_pub process at QoS 1 (default 50000)' },
  { flag: '--latency-seconds', kind: 'string', metavar: 'S', help: 'length of each latency run (default 10; 1 with --quick)' },
  { flag: '--latency-interval-ms', kind: 'string', metavar: 'MS', help: 'time between latency readings (default 1)' },
  { flag: '--outage-seconds', kind: 'string', metavar: 'S', help: 'length of the broker outage (default 600; 2 with --quick)' },
  { flag: '--outage-rate', kind: 'string', metavar: 'N', help: 'readings per second during the outage (default 1000)' },
  { flag: '--outage-paths', kind: 'string', metavar: 'LIST', help: 'contenders of the outage part (default naive,hub; hub with --quick)' },
  { flag: '--ports', kind: 'string', metavar: 'N', help: 'ptys of the ports part (default 16; 2 with --quick)' },
  { flag: '--ports-rate', kind: 'string', metavar: 'N', help: 'readings per second per port (default 1000)' },
  { flag: '--ports-seconds', kind: 'string', metavar: 'S', help: 'length of the ports run (default 30; 1 with --quick)' },
  { flag: '--ports-qos', kind: 'string', metavar: '0|1', help: 'QoS of the ports part (default 1)' },
  { flag: '--hub-config', kind: 'path', metavar: 'FILE', help: 'settings file passed to the hub (--config)' },
  {
    flag: '--hub-variant',
    kind: 'list',
    metavar: 'NAME=FILE',
    help: 'also run the hub with this settings file, as path hub@NAME (repeatable; e.g. --hub-variant big=w5000.yaml --paths naive,hub,hub@big)',
  },
  {
    flag: '--hub-root',
    kind: 'list',
    metavar: 'NAME=DIR',
    help: 'path hub@NAME runs the hub of another checkout (its own cli/bin.js; with --hub-variant NAME=FILE also that settings file), to compare code before and after a change in one run',
  },
  { flag: '--idle-seconds', kind: 'string', metavar: 'S', help: 'how long each bridge idles before its RSS is read (default 10; 2 with --quick)' },
  { flag: '--hub-cpu-prof', kind: 'path', metavar: 'DIR', help: 'profile every hub run (node --cpu-prof) and summarise it per run' },
  { flag: '--out', kind: 'path', metavar: 'FILE', help: 'JSON report (default dist/bench.json)' },
  HELP_FLAG,
];

export function benchUsage(): string {
  return usageText({
    synopsis: 'roomlink bench [options]        (npm run bench -- [options])',
    about: `Measures roomlink hub against mosquitto_pub -l and a naive serialport+MQTT.js bridge, each
reading a socat pty into one private Mosquitto (a free port on 127.0.0.1). Prints a table and
writes dist/bench.json. Needs mosquitto, mosquitto_pub and socat.

Parts (default: all):
  throughput  readings written as fast as the pty takes them, QoS 0 and 1 (msg/s, CPU, RSS)
  idle        each bridge connected, one reading through, then idle: RSS after --idle-seconds
  latency     one reading every 1 ms: write-to-arrival p50/p99/max
  outage      hub (and naive) during a broker outage at 1,000 readings/s: RSS, CPU, delivery
  ports       16 ptys at 1,000 readings/s each: delivered, p99 latency, CPU
  firmware    bytes of dist/firmware.js and .min.js, memory estimate in the host runtime
  profile     one hub throughput run per QoS under --cpu-prof: top self-time functions`,
    flags: BENCH_FLAGS,
  });
}
