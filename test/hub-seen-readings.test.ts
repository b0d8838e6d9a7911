import { describe, expect, it } from 'vitest';
import { MAX_BOOTS, SeenReadings } from '../hub/bridge/seen-readings.ts';
import { ackLine, hubHelloLine } from '../shared/serial-ack.ts';

describe('seen readings (dedupe by node, boot, seq)', () => {
  it('tells repeats from new readings, per node and boot', () => {
    const seen = new SeenReadings();
    expect(seen.seenBefore('k', 'b1', 0)).toBe(false);
    expect(seen.seenBefore('k', 'b1', 0)).toBe(true);
    // A rebooted node starts at 0 again under a new boot id: new.
    expect(seen.seenBefore('k', 'b2', 0)).toBe(false);
    expect(seen.seenBefore('other', 'b1', 0)).toBe(false);
    expect(seen.takeChanged().sort()).toEqual(['k', 'other']);
    expect(seen.takeChanged()).toEqual([]);
  });

  it('agrees with a plain set for live readings overtaking a backlog, repeats and gaps', () => {
    let state = 12345;
    const random = () => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state / 0x7fffffff;
    };
    const seen = new SeenReadings();
    const model = new Set<number>();
    // A backlog 0..499 drained in order while live readings 2000.. arrive; some live readings
    // are lost on the wire and come again later (a gap, then the repeat fills it), and some
    // come twice (their acknowledgement was lost).
    let backlog = 0;
    let live = 2000;
    const sent: number[] = [];
    const lost: number[] = [];
    for (let step = 0; step < 5000; step++) {
      const r = random();
      let seq: number;
      if (r < 0.4) seq = backlog++ % 500;
      else if (r < 0.7 || sent.length === 0) seq = live++;
      else if (r < 0.8) {
        lost.push(live++);
        continue;
      } else if (r < 0.9 && lost.length > 0) seq = lost.shift()!;
      else seq = sent[Math.floor(random() * sent.length)]!;
      sent.push(seq);
      expect(seen.seenBefore('k', 'b', seq), `seq ${seq}`).toBe(model.has(seq));
      model.add(seq);
    }
    const ranges = JSON.parse(seen.toJson('k')).b as [number, number][];
    expect(ranges.length).toBeLessThanOrEqual(32);
  });

  it('survives a restart through its JSON and forgets the oldest boots', () => {
    const seen = new SeenReadings();
    for (let boot = 0; boot <= MAX_BOOTS; boot++) seen.seenBefore('k', `b${boot}`, 7);
    const restored = new SeenReadings();
    restored.load('k', seen.toJson('k'));
    expect(restored.seenBefore('k', `b${MAX_BOOTS}`, 7)).toBe(true);
    // The first boot was forgotten: a repeat from it would be published again, never dropped.
    expect(restored.seenBefore('k', 'b0', 7)).toBe(false);
    restored.load('j', 'not json');
    expect(restored.seenBefore('j', 'b', 1)).toBe(false);
  });
});

describe('serial acknowledgement lines', () => {
  it('are one echo-off REPL line calling the firmware', () => {
    expect(
      ackLine([
        { boot: 'x7k2q9', from: 0, to: 63 },
        { boot: 'x7k2q9', from: 70, to: 70 },
      ]),
    ).toBe('\u0010roomlinkAck("x7k2q9",0,63);roomlinkAck("x7k2q9",70,70)\n');
    expect(hubHelloLine()).toBe('\u0010roomlinkHub()\n');
  });
});
