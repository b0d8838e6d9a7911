// DHT22 / AM2302 on one pin: pull the line low for 1 ms, release it, and time each high:
// a bit is 50 us low then ~27 us (0) or ~70 us (1) high, so a high longer than 50 us is a 1.
// Both edges are watched and the high is measured from the rising edge we saw, rather than
// from e.lastTime. The first two falling edges are the sensor's response; 40 bits follow:
// humidity x10, temperature x10 (bit 15 = sign), checksum.
import type { SensorConfig } from '../../shared/node-config.ts';
import type { Done, Driver } from './types.ts';

export function dht22(s: SensorConfig): Driver {
  const pin = s.pin!;
  return {
    read: function (done: Done) {
      let bits = '';
      let rise = 0;
      digitalWrite(pin, 0);
      pinMode(pin, 'output');
      const w = setWatch(
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
        clearWatch(w);
        const b: number[] = [];
        for (let i = 0; i < 5; i++) b.push(parseInt(bits.substr(2 + i * 8, 8), 2));
        if (bits.length < 42 || ((b[0] + b[1] + b[2] + b[3]) & 255) !== b[4]) {
          return done('DHT22 on GPIO ' + pin + ': ' + (bits.length < 42 ? 'no answer' : 'checksum mismatch'));
        }
        const t = (((b[2] & 127) << 8) | b[3]) / 10;
        done(undefined, { humidity: ((b[0] << 8) | b[1]) / 10, temperature: b[2] & 128 ? -t : t });
      }, 50);
    },
  };
}
