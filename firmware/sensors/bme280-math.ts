// Bosch BME280/BMP280 compensation, the floating-point version from the datasheet
// (BME280 section 8.1, BMP280 section 8.1). Pure: no Espruino globals, tested under Node.

/**
 * Calibration words dig_T1..T3, dig_P1..P9, dig_H1..H6 (indexes 0..2, 3..11, 12..17). The
 * driver keeps them in an Int32Array: on Espruino an array of 18 such numbers takes ~26
 * blocks, the typed array 7.
 */
export type Calibration = ArrayLike<number>;

/** Calibration from registers 0x88..0xA1 (26 bytes) and, for a BME280, 0xE1..0xE7 (7 bytes). */
export function calibration(block88: Uint8Array, blockE1?: Uint8Array): number[] {
  // Declared inside: on Espruino they exist only while this runs (once per sensor).
  function u16(data: Uint8Array, i: number): number {
    return data[i] | (data[i + 1] << 8);
  }
  function s16(data: Uint8Array, i: number): number {
    return (u16(data, i) << 16) >> 16;
  }
  const words = [u16(block88, 0), s16(block88, 2), s16(block88, 4), u16(block88, 6)];
  for (let i = 8; i < 24; i += 2) words.push(s16(block88, i));
  if (blockE1) {
    words.push(
      block88[25],
      s16(blockE1, 0),
      blockE1[2],
      ((blockE1[3] << 24) >> 20) | (blockE1[4] & 15),
      ((blockE1[5] << 24) >> 20) | (blockE1[4] >> 4),
      (blockE1[6] << 24) >> 24,
    );
  }
  return words;
}

/** Temperature in degrees C and t_fine, from adc_T. */
export function compensateT(adc: number, words: Calibration): number[] {
  const v1 = (adc / 16384 - words[0] / 1024) * words[1];
  const x = adc / 131072 - words[0] / 8192;
  const fine = v1 + x * x * words[2];
  return [fine / 5120, fine];
}

/** Pressure in Pa from adc_P and t_fine. */
export function compensateP(adc: number, fine: number, words: Calibration): number {
  let v1 = fine / 2 - 64000;
  let v2 = (v1 * v1 * words[8]) / 32768;
  v2 = v2 + v1 * words[7] * 2;
  v2 = v2 / 4 + words[6] * 65536;
  v1 = ((words[5] * v1 * v1) / 524288 + words[4] * v1) / 524288;
  v1 = (1 + v1 / 32768) * words[3];
  if (v1 === 0) return 0;
  let p = 1048576 - adc;
  p = ((p - v2 / 4096) * 6250) / v1;
  v1 = (words[11] * p * p) / 2147483648;
  v2 = (p * words[10]) / 32768;
  return p + (v1 + v2 + words[9]) / 16;
}

/** Relative humidity in % from adc_H and t_fine. */
export function compensateH(adc: number, fine: number, words: Calibration): number {
  let h = fine - 76800;
  h = (adc - (words[15] * 64 + (words[16] / 16384) * h)) * ((words[13] / 65536) * (1 + (words[17] / 67108864) * h * (1 + (words[14] / 67108864) * h)));
  h = h * (1 - (words[12] * h) / 524288);
  return Math.min(100, Math.max(0, h));
}
