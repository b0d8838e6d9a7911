// The UART of a serial sensor: Serial2 for the first, Serial3 for a second (the ESP32 and S3
// have both; the C3 only Serial2, and config check allows it one). The pins are always
// given: left out, Espruino's ESP32 port puts Serial2's TX on GPIO 4 and RX on 5, and
// Serial3's on 17/16 (targets/esp32/jshardwareUart.c). roomlink's default is RX 16, TX 17,
// the pins ESP32 DevKits label RX2/TX2.
import type { SensorConfig } from '../../shared/node-config.ts';

let uartsUsed = 0;

export function uart(config: SensorConfig, baud: number): Serial {
  const port = uartsUsed++ ? Serial3 : Serial2;
  port.setup(baud, { rx: config.rx === undefined ? 16 : config.rx, tx: config.tx === undefined ? 17 : config.tx });
  return port;
}
