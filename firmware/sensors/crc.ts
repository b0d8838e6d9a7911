// CRC-8 with polynomial 0x31: init 0xFF as Sensirion (SHT3x, SCD4x) and Aosong (AHT20) use
// it, init 0x00 as the HTU21D and Si7021 do.
export function crc8(d: ArrayLike<number>, from: number, n: number, init?: number): number {
  let c = init === undefined ? 0xff : init;
  for (let i = from; i < from + n; i++) {
    c ^= d[i];
    for (let b = 0; b < 8; b++) c = c & 0x80 ? ((c << 1) ^ 0x31) & 0xff : (c << 1) & 0xff;
  }
  return c;
}

/** Dallas/Maxim CRC-8 of 1-Wire devices (reflected polynomial 0x8C, init 0). */
export function crcMaxim(d: ArrayLike<number>, n: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) {
    let b = d[i];
    for (let k = 0; k < 8; k++) {
      const mix = (c ^ b) & 1;
      c >>= 1;
      if (mix) c ^= 0x8c;
      b >>= 1;
    }
  }
  return c;
}
