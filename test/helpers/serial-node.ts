// A roomlink node on USB serial for the serial-acknowledgement tests: dist/firmware.js in the
// host runtime, its console behind the board's REPL (tools/board/repl-console.ts), written into
// a socat pty whose other end `roomlink hub` opens. Its illuminance is a clock (seconds since
// start x 100), so every reading is distinct and increasing and a gap or a repeat shows.
// The pty can be pulled out and plugged back (a new pty at the same paths); what the board
// prints meanwhile is lost, as on a cable nobody listens to.
import type { ReadStream } from 'node:fs';
import { ReplConsole } from '../../tools/board/repl-console.ts';
import { firmwareCode, SimNode } from '../firmware-node.ts';
import { PtyPair } from '../../bench/helpers/pty.ts';

export class SerialClockNode {
  readonly sim: SimNode;
  pty: PtyPair;
  private readonly repl: ReplConsole;
  private reader: ReadStream | undefined;
  private readonly t0 = Date.now();
  private readonly timer: NodeJS.Timeout;

  private constructor(sim: SimNode, pty: PtyPair) {
    this.sim = sim;
    this.pty = pty;
    this.repl = new ReplConsole({
      runtime: sim.runtime,
      write: (text) => {
        try {
          this.pty.write(Buffer.from(text, 'latin1'));
        } catch {
          // Unplugged: nobody hears it.
        }
      },
      board: 'esp32',
    });
    this.listen();
    const set = () => sim.runtime.pins.setAnalog(36, this.now() / 1e5);
    set();
    this.timer = setInterval(set, 10);
  }

  static async create(node: string, room: string, interval = 1): Promise<SerialClockNode> {
    const pty = await new PtyPair().open();
    const sim = new SimNode(
      {
        node,
        room,
        transport: 'serial',
        interval,
        sensors: [{ type: 'analog', pin: 36, measurement: 'illuminance', scale: 100000 }],
      },
      await firmwareCode(),
    );
    return new SerialClockNode(sim, pty);
  }

  /** The clock the illuminance shows: hundredths of a second since the node was made. */
  now(): number {
    return (Date.now() - this.t0) / 10;
  }

  boot(): void {
    this.sim.boot();
  }

  /** Pulls the cable: the pty pair vanishes. */
  async unplug(): Promise<void> {
    this.reader?.destroy();
    this.reader = undefined;
    await this.pty.close();
  }

  /** Plugs it back: a new pty pair at the same paths. */
  async plug(): Promise<void> {
    this.pty = await new PtyPair(this.pty.dir).open();
    this.listen();
  }

  async dispose(): Promise<void> {
    clearInterval(this.timer);
    this.repl.dispose();
    this.reader?.destroy();
    this.sim.dispose();
    await this.pty.dispose();
  }

  /** What the hub writes (acknowledgements, commands) goes into the board's REPL. */
  private listen(): void {
    const reader = this.pty.readNodeSide();
    // EIO once the pty goes away.
    reader.on('error', () => undefined);
    reader.on('data', (d: Buffer | string) => this.repl.feed(typeof d === 'string' ? Buffer.from(d, 'latin1') : d));
    this.reader = reader;
  }
}
