// Which driver module serves which sensor type, and the source of firmware/sensors/index.ts
// for a set of them. The generic build (dist/firmware.js, for `roomlink sim`, the demo and
// the Espruino IDE) uses the checked-in index.ts, which is driversSource('all') (a test holds
// them equal); a per-node build (`roomlink build|flash --config node.json`) bundles
// driversSource(the node's modules) instead, so the node does not carry unused drivers: on
// Espruino every function of the bundle costs RAM for as long as the program runs.

export interface DriverModule {
  /** firmware/sensors/<module>.ts, exporting a function of the same name. */
  module: string;
  /** The config `type`s it drives. */
  types: string[];
  /** How driverFor() calls it (`config`: the sensor's config, `node`: the node id, `changed`: a binary input's or a presence sensor's edge, given for those only). */
  call: string;
}

/** In the order driverFor() tries them; `sim` last, the generic build's fallback. */
export const DRIVER_MODULES: readonly DriverModule[] = [
  { module: 'bme280', types: ['bme280', 'bmp280'], call: 'bme280(config)' },
  { module: 'sht3x', types: ['sht3x'], call: 'sht3x(config)' },
  { module: 'aht20', types: ['aht20'], call: 'aht20(config)' },
  { module: 'ds18b20', types: ['ds18b20'], call: 'ds18b20(config)' },
  { module: 'dht22', types: ['dht22'], call: 'dht22(config)' },
  { module: 'analog', types: ['analog'], call: 'analog(config)' },
  { module: 'binary', types: ['binary'], call: 'binary(config, changed!)' },
  { module: 'scd4x', types: ['scd4x'], call: 'scd4x(config)' },
  { module: 'pms5003', types: ['pms5003'], call: 'pms5003(config)' },
  { module: 'mhz19', types: ['mhz19'], call: 'mhz19(config)' },
  { module: 'bh1750', types: ['bh1750'], call: 'bh1750(config)' },
  { module: 'htu21d', types: ['htu21d'], call: 'htu21d(config)' },
  { module: 'ld2410', types: ['ld2410'], call: 'ld2410(config, changed!)' },
  { module: 'sim', types: ['sim'], call: 'sim(config, node)' },
];

/** The driver modules a node needs for its sensors' types, sorted; throws on a type no driver serves. */
export function driverModulesFor(types: readonly string[]): string[] {
  const modules = new Set<string>();
  for (const type of types) {
    const found = DRIVER_MODULES.find((d) => d.types.includes(type));
    if (!found) throw new Error(`no driver for sensor type "${type}"`);
    modules.add(found.module);
  }
  return [...modules].sort();
}

const HEADER = `// A driver for each sensor entry of the config. Per-node builds (\`roomlink build --config\`)
// replace this file with one that imports only the drivers the node uses
// (tools/toolchain/drivers.ts writes both; a test checks this one is what it writes).`;

/** firmware/sensors/index.ts for these modules ('all': the generic build's, with `sim` as the fallback). */
export function driversSource(modules: readonly string[] | 'all'): string {
  const all = modules === 'all';
  const used = DRIVER_MODULES.filter((d) => all || modules.includes(d.module));
  const unknown = all ? [] : modules.filter((m) => !DRIVER_MODULES.some((d) => d.module === m));
  if (unknown.length > 0) throw new Error(`no driver module ${unknown.join(', ')}`);
  const fallback = used.find((d) => d.module === 'sim');
  const lines = [
    all ? HEADER : `// Generated for a per-node build by tools/toolchain/drivers.ts: only the drivers ${used.map((d) => d.module).join(', ')}.`,
    "import type { SensorConfig } from '../../shared/node-config.ts';",
    ...used
      .map((d) => d.module)
      .sort()
      .map((m) => `import { ${m} } from './${m}.ts';`),
    "import type { Driver } from './types.ts';",
    '',
    'export function driverFor(config: SensorConfig, node: string, changed?: (measurement: string, value: boolean) => void): Driver {',
    '  const type = config.type;',
    ...used.filter((d) => d !== fallback).map((d) => `  if (${d.types.map((t) => `type === '${t}'`).join(' || ')}) return ${d.call};`),
  ];
  if (fallback) lines.push(`  return ${fallback.call};`);
  else {
    // A config changed after flashing can name a type this build lacks: say so on `info`.
    lines.push(
      '  return {',
      '    read: function (done) {',
      `      done('no ' + type + ' driver in this firmware (built for ${used.map((d) => d.module).join(', ')}): flash again with roomlink flash --config');`,
      '    },',
      '  };',
    );
  }
  lines.push('}', '');
  return lines.join('\n');
}

/** The file name stem of a build: `firmware` (generic) or `firmware-<modules>` (per node). */
export function firmwareStem(modules?: readonly string[]): string {
  return modules ? `firmware-${[...modules].sort().join('-')}` : 'firmware';
}
