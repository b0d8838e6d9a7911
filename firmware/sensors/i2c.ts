// The I2C bus for a sensor: I2C1 for the first pin pair (default SDA 21, SCL 22, the
// ESP32 DevKit pins), I2C2 for a second one. Sensors on the same pins share a bus. The
// config check refuses a third pair, and a second one on the ESP32-C3, which has no I2C2.

const used: string[] = [];

export function i2cBus(sda: number | undefined, scl: number | undefined): I2CBus {
  const key = (sda === undefined ? 21 : sda) + ',' + (scl === undefined ? 22 : scl);
  let index = used.indexOf(key);
  if (index < 0) {
    index = used.length;
    used.push(key);
    (index ? I2C2 : I2C1).setup({ sda: sda === undefined ? 21 : sda, scl: scl === undefined ? 22 : scl, bitrate: 100000 });
  }
  return index ? I2C2 : I2C1;
}
