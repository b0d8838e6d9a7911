// Checksums the emulated hardware and E.CRC32 need. Values checked against the datasheets'
// examples and against Espruino (E.CRC32("abc") === 891568578).

/** CRC-32 (IEEE 802.3, reflected 0xEDB88320), as E.CRC32 computes it. */
export function crc32(bytes: ArrayLike<number>): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i]! & 0xff;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC-8 poly 0x31 init 0xFF, MSB first: Sensirion SHT3x/SCD4x and Aosong AHT20. CRC of [0xBE,0xEF] is 0x92. */
export function crc8Sensirion(bytes: ArrayLike<number>, init = 0xff): number {
  let crc = init;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i]! & 0xff;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** Dallas/Maxim CRC-8 (poly 0x31 reflected = 0x8C, init 0): 1-Wire ROM codes and DS18B20 scratchpads. */
export function crc8Maxim(bytes: ArrayLike<number>): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i]! & 0xff;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x8c : crc >>> 1;
  }
  return crc;
}

/** CRC-8 poly 0x31 init 0x00, MSB first: HTU21D and Si7021. CRC of [0x68, 0x3A] is 0x7C. */
export function crc8Htu(bytes: ArrayLike<number>): number {
  return crc8Sensirion(bytes, 0);
}
