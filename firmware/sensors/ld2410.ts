// Hi-Link HLK-LD2410 (B, C) 24 GHz presence radar on a UART at 256000 8N1. It reports by
// itself, about 20 times a second, in frames F4 F3 F2 F1, data length (2 bytes, little
// endian), data, F8 F7 F6 F5. The data: type (2 basic, 1 engineering), 0xAA, target state
// (0 none, 1 moving, 2 still, 3 both), moving target distance (cm, 2 bytes), its energy
// (0..100), still target distance (cm), its energy, detection distance (cm), [engineering
// values], 0x55, 0x00. There is no checksum: a frame whose length, markers, footer or fields
// do not fit is dropped, and the parser looks for the next header. Presence is reported the
// moment it changes; distance is the nearest target's (0 when there is none).
import type { SensorConfig } from '../../shared/node-config.ts';
import { uart } from './uart.ts';
import type { Done, Driver } from './types.ts';

export function ld2410(config: SensorConfig, changed: (measurement: string, value: boolean) => void): Driver {
  const port = uart(config, 256000);
  const tell = !config.measurements || config.measurements.indexOf('presence') >= 0;
  // Bytes not parsed yet; presence and distance of the last good frame; good and bad frames since the last read.
  let buffer = '';
  let present: boolean | undefined;
  let distance = 0;
  let frames = 0;
  let bad = 0;
  port.on('data', function (data: string) {
    const was = present;
    let i = 0;
    buffer += data;
    for (;;) {
      i = buffer.indexOf('\xf4\xf3\xf2\xf1');
      if (i < 0 || i + 6 > buffer.length) break;
      const len = buffer.charCodeAt(i + 4) | (buffer.charCodeAt(i + 5) << 8);
      const end = i + 10 + len;
      if (len >= 13 && len <= 64 && end > buffer.length) break;
      const target = buffer.charCodeAt(i + 8);
      const type = buffer.charCodeAt(i + 6);
      if (
        len < 13 ||
        len > 64 ||
        buffer.substr(end - 4, 4) !== '\xf8\xf7\xf6\xf5' ||
        (type !== 1 && type !== 2) ||
        buffer.charCodeAt(i + 7) !== 0xaa ||
        buffer.charCodeAt(end - 6) !== 0x55 ||
        buffer.charCodeAt(end - 5) !== 0 ||
        target > 3 ||
        buffer.charCodeAt(i + 11) > 100 ||
        buffer.charCodeAt(i + 14) > 100
      ) {
        bad++;
        buffer = buffer.substr(i + 1);
        continue;
      }
      const movingDistance = buffer.charCodeAt(i + 9) | (buffer.charCodeAt(i + 10) << 8);
      const stillDistance = buffer.charCodeAt(i + 12) | (buffer.charCodeAt(i + 13) << 8);
      present = target > 0;
      distance = target === 1 ? movingDistance : target === 2 ? stillDistance : target === 3 ? Math.min(movingDistance, stillDistance) : 0;
      frames++;
      buffer = buffer.substr(end);
    }
    // No header in what is left: keep its last 3 bytes, which may begin one.
    buffer = i < 0 ? buffer.substr(buffer.length > 3 ? buffer.length - 3 : 0) : buffer.substr(i);
    if (tell && was !== undefined && present !== was) changed('presence', present!);
  });
  return {
    read: function (done: Done) {
      let polls = 0;
      // Frames come every ~50 ms; right after boot the first ones may still be on their way.
      const poll = setInterval(function () {
        if (!frames && ++polls < 10) return;
        clearInterval(poll);
        if (frames) done(undefined, { presence: present!, distance: distance });
        else
          done(
            bad
              ? 'LD2410: ' + bad + ' corrupted frames, none whole'
              : 'LD2410 on GPIO ' + (config.rx === undefined ? 16 : config.rx) + ': no frames (wiring? 256000 baud?)',
          );
        frames = 0;
        bad = 0;
      }, 100);
    },
  };
}
