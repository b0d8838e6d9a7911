// Bosch BME280/BMP280 compensation, the floating-point version from the datasheet
// (BME280 section 8.1, BMP280 section 8.1). Pure: no Espruino globals, tested under Node.

/** Calibration words dig_T1..T3, dig_P1..P9, dig_H1..H6 (indexes 0..2, 3..11, 12..17). */
export type Calibration = number[];

/** Calibration from registers 0x88..0xA1 (26 bytes) and, for a BME280, 0xE1..0xE7 (7 bytes). */
export function calibration(a: Uint8Array, h?: Uint8Array): Calibration {
  // Declared inside: on Espruino they exist only while this runs (once per sensor).
  function u16(d: Uint8Array, i: number): number {
    return d[i] | (d[i + 1] << 8);
  }
  function s16(d: Uint8Array, i: number): number {
    return (u16(d, i) << 16) >> 16;
  }
  const c = [u16(a, 0), s16(a, 2), s16(a, 4), u16(a, 6)];
  for (let i = 8; i < 24; i += 2) c.push(s16(a, i));
  if (h) {
    c.push(a[25], s16(h, 0), h[2], ((h[3] << 24) >> 20) | (h[4] & 15), ((h[5] << 24) >> 20) | (h[4] >> 4), (h[6] << 24) >> 24);
  }
  return c;
}

/** Temperature in degrees C and t_fine, from adc_T. */
export function compensateT(adc: number, c: Calibration): number[] {
  const v1 = (adc / 16384 - c[0] / 1024) * c[1];
  const x = adc / 131072 - c[0] / 8192;
  const fine = v1 + x * x * c[2];
  return [fine / 5120, fine];
}

/** Pressure in Pa from adc_P and t_fine. */
export function compensateP(adc: number, fine: number, c: Calibration): number {
  let v1 = fine / 2 - 64000;
  let v2 = (v1 * v1 * c[8]) / 32768;
  v2 = v2 + v1 * c[7] * 2;
  v2 = v2 / 4 + c[6] * 65536;
  v1 = ((c[5] * v1 * v1) / 524288 + c[4] * v1) / 524288;
  v1 = (1 + v1 / 32768) * c[3];
  if (v1 === 0) return 0;
  let p = 1048576 - adc;
  p = ((p - v2 / 4096) * 6250) / v1;
  v1 = (c[11] * p * p) / 2147483648;
  v2 = (p * c[10]) / 32768;
  return p + (v1 + v2 + c[9]) / 16;
}

/** Relative humidity in % from adc_H and t_fine. */
export function compensateH(adc: number, fine: number, c: Calibration): number {
  let h = fine - 76800;
  h = (adc - (c[15] * 64 + (c[16] / 16384) * h)) * ((c[13] / 65536) * (1 + (c[17] / 67108864) * h * (1 + (c[14] / 67108864) * h)));
  h = h * (1 - (c[12] * h) / 524288);
  return Math.min(100, Math.max(0, h));
}
