// CRC-8 with polynomial 0x31: init 0xFF as Sensirion (SHT3x, SCD4x) and Aosong (AHT20) use
// it, init 0x00 as the HTU21D and Si7021 do.
export function crc8(data: ArrayLike<number>, from: number, length: number, init?: number): number {
  let crc = init === undefined ? 0xff : init;
  for (let i = from; i < from + length; i++) {
    crc ^= data[i];
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** Dallas/Maxim CRC-8 of 1-Wire devices (reflected polynomial 0x8C, init 0). */
export function crcMaxim(data: ArrayLike<number>, length: number): number {
  let crc = 0;
  for (let i = 0; i < length; i++) {
    let byte = data[i];
    for (let bit = 0; bit < 8; bit++) {
      const mix = (crc ^ byte) & 1;
      crc >>= 1;
      if (mix) crc ^= 0x8c;
      byte >>= 1;
    }
  }
  return crc;
}
