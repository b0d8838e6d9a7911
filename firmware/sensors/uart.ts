// The UART of a serial sensor: Serial2 for the first, Serial3 for a second (the ESP32 and S3
// have both; the C3 only Serial2, and config check allows it one). The pins are always
// given: left out, Espruino's ESP32 port puts Serial2's TX on GPIO 4 and RX on 5, and
// Serial3's on 17/16 (targets/esp32/jshardwareUart.c). roomlink's default is RX 16, TX 17,
// the pins ESP32 DevKits label RX2/TX2.
import type { SensorConfig } from '../../shared/node-config.ts';
import type { Done } from './types.ts';

let uartsUsed = 0;

export function uart(config: SensorConfig, baud: number): Serial {
  const port = uartsUsed++ ? Serial3 : Serial2;
  port.setup(baud, { rx: config.rx === undefined ? 16 : config.rx, tx: config.tx === undefined ? 17 : config.tx });
  return port;
}

/**
 * Drops what the sensor sent unasked, sends `request`, and waits for the answer in Espruino's
 * serial buffer (no listener, nothing kept in RAM between reads): after `firstMs`, then every
 * 300 ms, six looks in all, `scan` gets all that arrived since the request. It returns true
 * once it has called `done` (a whole frame), or the error to report if nothing better comes
 * ('' when it saw nothing wrong).
 */
export function ask(
  port: Serial,
  request: string | number[],
  config: SensorConfig,
  name: string,
  firstMs: number,
  scan: (buffer: string) => string | true,
  done: Done,
): void {
  port.read();
  port.write(request);
  let buffer = '';
  let tries = 0;
  function look(): void {
    buffer += port.read();
    const error = scan(buffer);
    if (error === true) return;
    if (++tries < 6) return void setTimeout(look, 300);
    done(error || name + ' on GPIO ' + (config.rx === undefined ? 16 : config.rx) + ': no answer');
  }
  setTimeout(look, firstMs);
}
