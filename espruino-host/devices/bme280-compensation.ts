// Bosch BME280/BMP280 datasheet compensation (the integer versions, section 4.2.3 of the
// BME280 datasheet / 3.11.3 of the BMP280 one) and their numerical inverses: given the
// values the driver should report, the raw ADC readings that produce them.

export interface Bme280Calibration {
  T1: number;
  T2: number;
  T3: number;
  P1: number;
  P2: number;
  P3: number;
  P4: number;
  P5: number;
  P6: number;
  P7: number;
  P8: number;
  P9: number;
  H1: number;
  H2: number;
  H3: number;
  H4: number;
  H5: number;
  H6: number;
}

/** T and P: the datasheet's example set. H: values read from a real BME280 (the datasheet gives none). */
export const DATASHEET_CALIBRATION: Bme280Calibration = {
  T1: 27504,
  T2: 26435,
  T3: -1000,
  P1: 36477,
  P2: -10685,
  P3: 3024,
  P4: 2855,
  P5: 140,
  P6: -7,
  P7: 15500,
  P8: -14600,
  P9: 6000,
  H1: 75,
  H2: 362,
  H3: 0,
  H4: 313,
  H5: 50,
  H6: 30,
};

const i32 = (x: bigint) => BigInt.asIntN(32, x);
const i64 = (x: bigint) => BigInt.asIntN(64, x);

/** t_fine and temperature in 0.01 °C (int32 arithmetic, as in the datasheet). */
export function compensateTemperature(adcT: number, c: Bme280Calibration): { tFine: number; centiDegrees: number } {
  const var1 = (((adcT >> 3) - (c.T1 << 1)) * c.T2) >> 11;
  const d = (adcT >> 4) - c.T1;
  const var2 = (((d * d) >> 12) * c.T3) >> 14;
  const tFine = var1 + var2;
  return { tFine, centiDegrees: (tFine * 5 + 128) >> 8 };
}

/** Pressure in Pa × 256 (Q24.8), int64 arithmetic as in the datasheet. */
export function compensatePressure(adcP: number, tFine: number, c: Bme280Calibration): number {
  let var1 = BigInt(tFine) - 128000n;
  let var2 = i64(var1 * var1 * BigInt(c.P6));
  var2 = i64(var2 + ((var1 * BigInt(c.P5)) << 17n));
  var2 = i64(var2 + (BigInt(c.P4) << 35n));
  var1 = i64(((var1 * var1 * BigInt(c.P3)) >> 8n) + ((var1 * BigInt(c.P2)) << 12n));
  var1 = i64((((1n << 47n) + var1) * BigInt(c.P1)) >> 33n);
  if (var1 === 0n) return 0;
  let p = 1048576n - BigInt(adcP);
  p = i64((((p << 31n) - var2) * 3125n) / var1);
  var1 = i64((BigInt(c.P9) * (p >> 13n) * (p >> 13n)) >> 25n);
  var2 = i64((BigInt(c.P8) * p) >> 19n);
  p = ((p + var1 + var2) >> 8n) + (BigInt(c.P7) << 4n);
  return Number(p);
}

/** Relative humidity in %RH × 1024 (Q22.10), int32 arithmetic as in the datasheet. */
export function compensateHumidity(adcH: number, tFine: number, c: Bme280Calibration): number {
  let v = i32(BigInt(tFine) - 76800n);
  const a = i32(((BigInt(adcH) << 14n) - (BigInt(c.H4) << 20n) - BigInt(c.H5) * v + 16384n) >> 15n);
  const b = i32(((((((v * BigInt(c.H6)) >> 10n) * (((v * BigInt(c.H3)) >> 11n) + 32768n)) >> 10n) + 2097152n) * BigInt(c.H2) + 8192n) >> 14n);
  v = i32(a * b);
  v = i32(v - (((((v >> 15n) * (v >> 15n)) >> 7n) * BigInt(c.H1)) >> 4n));
  if (v < 0n) v = 0n;
  if (v > 419430400n) v = 419430400n;
  return Number(v >> 12n);
}

/** Smallest x in [lo, hi] with f(x) >= target for an increasing f (binary search). */
function searchIncreasing(f: (x: number) => number, target: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (f(mid) >= target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const ADC20_MAX = (1 << 20) - 1;

/** Raw readings that compensate back to the given values (°C, Pa, %RH) within one LSB. */
export function rawForValues(
  values: { temperature: number; pressure: number; humidity: number },
  c: Bme280Calibration,
): { adcT: number; adcP: number; adcH: number } {
  const adcT = searchIncreasing((x) => compensateTemperature(x, c).centiDegrees, Math.round(values.temperature * 100), 0, ADC20_MAX);
  const { tFine } = compensateTemperature(adcT, c);
  // Pressure falls as adc_P rises: search on the negated function.
  const adcP = searchIncreasing((x) => -compensatePressure(x, tFine, c), -Math.round(values.pressure * 256), 0, ADC20_MAX);
  const adcH = searchIncreasing((x) => compensateHumidity(x, tFine, c), Math.round(values.humidity * 1024), 0, 0xffff);
  return { adcT, adcP, adcH };
}
