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

export function ld2410(s: SensorConfig, changed: (measurement: string, value: boolean) => void): Driver {
  const u = uart(s, 256000);
  const tell = !s.measurements || s.measurements.indexOf('presence') >= 0;
  // Bytes not parsed yet; presence and distance of the last good frame; good and bad frames since the last read.
  let b = '';
  let p: boolean | undefined;
  let d = 0;
  let n = 0;
  let bad = 0;
  u.on('data', function (data: string) {
    const was = p;
    let i = 0;
    b += data;
    for (;;) {
      i = b.indexOf('\xf4\xf3\xf2\xf1');
      if (i < 0 || i + 6 > b.length) break;
      const len = b.charCodeAt(i + 4) | (b.charCodeAt(i + 5) << 8);
      const end = i + 10 + len;
      if (len >= 13 && len <= 64 && end > b.length) break;
      const t = b.charCodeAt(i + 8);
      const type = b.charCodeAt(i + 6);
      if (
        len < 13 ||
        len > 64 ||
        b.substr(end - 4, 4) !== '\xf8\xf7\xf6\xf5' ||
        (type !== 1 && type !== 2) ||
        b.charCodeAt(i + 7) !== 0xaa ||
        b.charCodeAt(end - 6) !== 0x55 ||
        b.charCodeAt(end - 5) !== 0 ||
        t > 3 ||
        b.charCodeAt(i + 11) > 100 ||
        b.charCodeAt(i + 14) > 100
      ) {
        bad++;
        b = b.substr(i + 1);
        continue;
      }
      const md = b.charCodeAt(i + 9) | (b.charCodeAt(i + 10) << 8);
      const sd = b.charCodeAt(i + 12) | (b.charCodeAt(i + 13) << 8);
      p = t > 0;
      d = t === 1 ? md : t === 2 ? sd : t === 3 ? Math.min(md, sd) : 0;
      n++;
      b = b.substr(end);
    }
    // No header in what is left: keep its last 3 bytes, which may begin one.
    b = i < 0 ? b.substr(b.length > 3 ? b.length - 3 : 0) : b.substr(i);
    if (tell && was !== undefined && p !== was) changed('presence', p!);
  });
  return {
    read: function (done: Done) {
      let k = 0;
      // Frames come every ~50 ms; right after boot the first ones may still be on their way.
      const t = setInterval(function () {
        if (!n && ++k < 10) return;
        clearInterval(t);
        if (n) done(undefined, { presence: p!, distance: d });
        else
          done(
            bad
              ? 'LD2410: ' + bad + ' corrupted frames, none whole'
              : 'LD2410 on GPIO ' + (s.rx === undefined ? 16 : s.rx) + ': no frames (wiring? 256000 baud?)',
          );
        n = 0;
        bad = 0;
      }, 100);
    },
  };
}
