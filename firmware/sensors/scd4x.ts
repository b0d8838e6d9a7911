// Sensirion SCD40/SCD41 over I2C at 0x62: periodic measurement (a new value every 5 s),
// get_data_ready_status (0xE4B8; not ready while the low 11 bits are 0) before
// read_measurement (0xEC05: CO2 ppm, T = -45 + 175 x w/65535, RH = 100 x w/65535), a CRC-8
// (poly 0x31, init 0xFF) after every 16-bit word, both ways. Altitude (0x2427) is set while
// idle, before start_periodic_measurement (0x21B1); ambient pressure (0xE000, hPa) any time.
// Forced recalibration (0x362F) needs the sensor idle: stop (0x3F86), 500 ms, FRC, 400 ms,
// answer (correction + 0x8000; 0xFFFF = failed), then measuring starts again.
// The sensor keeps measuring while the ESP32 reboots or sleeps; commands it does not take
// in that state are not acknowledged, which the driver takes as "already measuring".
// RAM: every function object costs ~5 blocks while it exists, so a read is one step
// function run by timers, and nothing but the state below stays between reads.
import type { SensorConfig } from '../../shared/node-config.ts';
import { crc8 } from './crc.ts';
import { i2cBus } from './i2c.ts';
import type { Done, Driver } from './types.ts';

export function scd4x(config: SensorConfig): Driver {
  // 0: not started since boot, 1: measuring, 2: recalibrating.
  let phase = 0;
  // The latest measurement and when it was read: a read between two measurements gets it.
  let co2 = 0;
  let temperature = 0;
  let humidity = 0;
  let at = 0;
  return {
    read: function (done: Done) {
      if (phase === 2) return done('SCD4x recalibrating');
      const bus = i2cBus(config.sda, config.scl);
      const startedAt = getTime();
      // Steps: 0 ask whether data is ready, 1 read that answer, 2 read the measurement.
      let stage = 0;
      function step(): void {
        let data: Uint8Array;
        // A recalibration began meanwhile: its answer must not be read here.
        if (phase === 2) {
          done('SCD4x recalibrating');
          return;
        }
        try {
          if (!stage) {
            bus.writeTo(0x62, [0xe4, 0xb8]);
            stage = 1;
            return void setTimeout(step, 2);
          }
          data = bus.readFrom(0x62, stage === 1 ? 3 : 9);
        } catch (e) {
          done('SCD4x at 0x62: ' + e);
          return;
        }
        for (let i = 0; i < data.length; i += 3)
          if (crc8(data, i, 2) !== data[i + 2]) {
            done('SCD4x at 0x62: CRC mismatch');
            return;
          }
        if (stage === 1) {
          if (((data[0] << 8) | data[1]) & 0x7ff) {
            try {
              bus.writeTo(0x62, [0xec, 0x05]);
            } catch (e) {
              done('SCD4x at 0x62: ' + e);
              return;
            }
            stage = 4;
            return void setTimeout(step, 2);
          }
          if (at && getTime() - at < 10) {
            done(undefined, { carbon_dioxide: co2, temperature: temperature, humidity: humidity });
            return;
          }
          stage = 0;
          if (getTime() - startedAt < 2) return void setTimeout(step, 500);
          done('SCD4x: no measurement yet (the first comes 5 s after starting)');
          return;
        }
        co2 = (data[0] << 8) | data[1];
        temperature = -45 + (175 * ((data[3] << 8) | data[4])) / 65535;
        humidity = (100 * ((data[6] << 8) | data[7])) / 65535;
        at = getTime();
        done(undefined, { carbon_dioxide: co2, temperature: temperature, humidity: humidity });
      }
      // Altitude and start are taken only while idle (after power-up); refused while it measures.
      if (!phase) {
        const altitude = config.altitude;
        try {
          if (altitude !== undefined) bus.writeTo(0x62, [0x24, 0x27, altitude >> 8, altitude & 255, crc8([altitude >> 8, altitude & 255], 0, 2)]);
        } catch (_) {}
        try {
          bus.writeTo(0x62, [0x21, 0xb1]);
        } catch (_) {}
        phase = 1;
      }
      const pressure = config.ambient_pressure === undefined ? undefined : Math.round(config.ambient_pressure);
      try {
        if (pressure !== undefined) bus.writeTo(0x62, [0xe0, 0x00, pressure >> 8, pressure & 255, crc8([pressure >> 8, pressure & 255], 0, 2)]);
      } catch (_) {}
      step();
    },
    cal: function (ppm, done) {
      const bus = i2cBus(config.sda, config.scl);
      phase = 2;
      at = 0;
      // Steps: 0 stop, 1 send the target, 2 read the answer. Afterwards the next read starts measuring again.
      let stage = 0;
      function step(): void {
        let data: Uint8Array | undefined;
        try {
          if (stage === 0) bus.writeTo(0x62, [0x3f, 0x86]);
          else if (stage === 1) bus.writeTo(0x62, [0x36, 0x2f, ppm >> 8, ppm & 255, crc8([ppm >> 8, ppm & 255], 0, 2)]);
          else data = bus.readFrom(0x62, 3);
        } catch (e) {
          phase = 0;
          done('SCD4x at 0x62: ' + e);
          return;
        }
        if (!data) return void setTimeout(step, stage++ ? 400 : 500);
        phase = 0;
        const answer = (data[0] << 8) | data[1];
        if (crc8(data, 0, 2) !== data[2]) done('SCD4x at 0x62: CRC mismatch in the recalibration answer');
        else if (answer === 0xffff) done('SCD4x: recalibration failed (it needs 3 minutes of measuring before)');
        else done(undefined, 'SCD4x recalibrated to ' + ppm + ' ppm (correction ' + (answer - 0x8000) + ' ppm)');
      }
      step();
    },
  };
}
