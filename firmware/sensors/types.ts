// What every sensor driver offers: read(done) calls done once, with an error message or the
// values it measured ({temperature: 21.5, humidity: 40.2}).

export type Values = { [measurement: string]: number | boolean };
export type Done = (err: string | undefined, values?: Values) => void;

export interface Driver {
  read(done: Done): void;
  /**
   * CO2 sensors: forced recalibration to `ppm` (the `calibrate` command); `done` gets an
   * error, or what was done.
   */
  cal?(ppm: number, done: (err: string | undefined, said?: string) => void): void;
}

export function one(measurement: string, value: number | boolean): Values {
  const values: Values = {};
  values[measurement] = value;
  return values;
}

export function hex(value: number): string {
  return '0x' + (value < 16 ? '0' : '') + value.toString(16);
}
