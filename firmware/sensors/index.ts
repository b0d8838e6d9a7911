// A driver for each sensor entry of the config. Per-node builds (`roomlink build --config`)
// replace this file with one that imports only the drivers the node uses
// (tools/toolchain/drivers.ts writes both; a test checks this one is what it writes).
import type { SensorConfig } from '../../shared/node-config.ts';
import { aht20 } from './aht20.ts';
import { analog } from './analog.ts';
import { bh1750 } from './bh1750.ts';
import { binary } from './binary.ts';
import { bme280 } from './bme280.ts';
import { dht22 } from './dht22.ts';
import { ds18b20 } from './ds18b20.ts';
import { htu21d } from './htu21d.ts';
import { ld2410 } from './ld2410.ts';
import { mhz19 } from './mhz19.ts';
import { pms5003 } from './pms5003.ts';
import { scd4x } from './scd4x.ts';
import { sht3x } from './sht3x.ts';
import { sim } from './sim.ts';
import type { Driver } from './types.ts';

export function driverFor(config: SensorConfig, node: string, changed?: (measurement: string, value: boolean) => void): Driver {
  const type = config.type;
  if (type === 'bme280' || type === 'bmp280') return bme280(config);
  if (type === 'sht3x') return sht3x(config);
  if (type === 'aht20') return aht20(config);
  if (type === 'ds18b20') return ds18b20(config);
  if (type === 'dht22') return dht22(config);
  if (type === 'analog') return analog(config);
  if (type === 'binary') return binary(config, changed!);
  if (type === 'scd4x') return scd4x(config);
  if (type === 'pms5003') return pms5003(config);
  if (type === 'mhz19') return mhz19(config);
  if (type === 'bh1750') return bh1750(config);
  if (type === 'htu21d') return htu21d(config);
  if (type === 'ld2410') return ld2410(config, changed!);
  return sim(config, node);
}
