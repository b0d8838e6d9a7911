// DHT22 / AM2302 on one pin: pull the line low for 1 ms, release it, and time each high:
// a bit is 50 us low then ~27 us (0) or ~70 us (1) high, so a high longer than 50 us is a 1.
// Both edges are watched and the high is measured from the rising edge we saw, rather than
// from e.lastTime. The first two falling edges are the sensor's response; 40 bits follow:
// humidity x10, temperature x10 (bit 15 = sign), checksum.
import type { SensorConfig } from '../../shared/node-config.ts';
import type { Done, Driver } from './types.ts';

export function dht22(config: SensorConfig): Driver {
  const pin = config.pin!;
  return {
    read: function (done: Done) {
      let bits = '';
      let rise = 0;
      digitalWrite(pin, 0);
      pinMode(pin, 'output');
      const watch = setWatch(
        function (e) {
          if (e.state) rise = e.time;
          else bits += e.time - rise > 0.00005 ? '1' : '0';
        },
        pin,
        { edge: 'both', repeat: true },
      );
      setTimeout(function () {
        pinMode(pin, 'input_pullup');
      }, 1);
      setTimeout(function () {
        clearWatch(watch);
        const bytes: number[] = [];
        for (let i = 0; i < 5; i++) bytes.push(parseInt(bits.substr(2 + i * 8, 8), 2));
        if (bits.length < 42 || ((bytes[0] + bytes[1] + bytes[2] + bytes[3]) & 255) !== bytes[4]) {
          return done('DHT22 on GPIO ' + pin + ': ' + (bits.length < 42 ? 'no answer' : 'checksum mismatch'));
        }
        const temperature = (((bytes[2] & 127) << 8) | bytes[3]) / 10;
        done(undefined, { humidity: ((bytes[0] << 8) | bytes[1]) / 10, temperature: bytes[2] & 128 ? -temperature : temperature });
      }, 50);
    },
  };
}
