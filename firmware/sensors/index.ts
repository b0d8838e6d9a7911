// A driver for each sensor entry of the config.
import type { SensorConfig } from '../../shared/node-config.ts';
import { aht20 } from './aht20.ts';
import { analog } from './analog.ts';
import { binary } from './binary.ts';
import { bme280 } from './bme280.ts';
import { dht22 } from './dht22.ts';
import { ds18b20 } from './ds18b20.ts';
import { sht3x } from './sht3x.ts';
import { sim } from './sim.ts';
import type { Driver } from './types.ts';

export function driverFor(s: SensorConfig, node: string, changed: (measurement: string, value: boolean) => void): Driver {
  const t = s.type;
  if (t === 'bme280' || t === 'bmp280') return bme280(s);
  if (t === 'sht3x') return sht3x(s);
  if (t === 'aht20') return aht20(s);
  if (t === 'ds18b20') return ds18b20(s);
  if (t === 'dht22') return dht22(s);
  if (t === 'analog') return analog(s);
  if (t === 'binary') return binary(s, changed);
  return sim(s, node);
}
