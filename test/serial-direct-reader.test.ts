// Reading a real pty on the event loop (hub/serial/direct-reader.ts): every byte in order,
// more than one read buffer at a time, and an unplug reported as an error.
import { closeSync, createWriteStream, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { SerialPortStream } from '@serialport/stream';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectReader, pollablePort } from '../hub/serial/direct-reader.ts';
import { defaultBinding } from '../hub/serial/port-list.ts';
import { openPtyPair, type PtyPair } from '../bench/helpers/pty.ts';
import { requireTools } from '../bench/helpers/tools.ts';
import { waitFor } from '../bench/helpers/wait.ts';

const ok = requireTools('socat');
const { MockBinding } = createRequire(import.meta.url)('@serialport/binding-mock') as {
  MockBinding: { createPort(path: string, options?: object): void; open(options: object): Promise<unknown> };
};

describe('pollablePort', () => {
  it('refuses what it cannot read without blocking: a mock port, a blocking fd, a closed port', async () => {
    MockBinding.createPort('/dev/fake', {});
    expect(pollablePort(await MockBinding.open({ path: '/dev/fake', baudRate: 9600 }))).toBeUndefined();
    const fd = openSync('/dev/null', 'r');
    try {
      expect(pollablePort({ fd, poller: { once: () => undefined } })).toBeUndefined();
    } finally {
      closeSync(fd);
    }
    expect(pollablePort({ fd: null, poller: { once: () => undefined } })).toBeUndefined();
    expect(pollablePort(undefined)).toBeUndefined();
  });
});

describe.skipIf(!ok)('DirectReader on a real pty', () => {
  let pty: PtyPair | undefined;
  let stream: SerialPortStream | undefined;
  afterEach(async () => {
    if (stream?.isOpen) await new Promise((resolve) => stream!.close(resolve));
    await pty?.dispose();
  });

  async function openDevice(): Promise<{ port: NonNullable<ReturnType<typeof pollablePort>> }> {
    pty = await openPtyPair();
    const s = new SerialPortStream({ binding: defaultBinding, path: pty.devicePath, baudRate: 115200, autoOpen: false, hupcl: false } as never);
    stream = s;
    await new Promise<void>((resolve, reject) => s.open((err) => (err ? reject(err) : resolve())));
    const port = pollablePort((s as unknown as { port: unknown }).port);
    expect(port).toBeDefined();
    return { port: port! };
  }

  it('delivers every byte in order, 300 KB written faster than it is read', async () => {
    const { port } = await openDevice();
    const chunks: Buffer[] = [];
    let received = 0;
    const errors: Error[] = [];
    const reader = new DirectReader(port, {
      // Chunks are only valid during the call: keep a copy.
      onData: (chunk) => {
        chunks.push(Buffer.from(chunk));
        received += chunk.length;
      },
      onError: (e) => errors.push(e),
    });
    reader.start();
    const lines = Array.from({ length: 5000 }, (_, i) => `{"node":"n1","temperature":${i}.5,"seq":${i}}\n`).join('');
    const sent = Buffer.from(lines);
    // Written from the thread pool: a synchronous write would block this very event loop
    // once the pty's buffer is full.
    const writer = createWriteStream(pty!.nodePath, { flags: 'r+' });
    writer.end(sent);
    await waitFor('all bytes', () => received >= sent.length, 20_000);
    await new Promise((resolve) => writer.close(resolve));
    reader.stop();
    expect(Buffer.concat(chunks).equals(sent)).toBe(true);
    expect(errors).toEqual([]);
  });

  it('reports an unplug (the pty vanishing) as an error, once', async () => {
    const { port } = await openDevice();
    const errors: Error[] = [];
    const reader = new DirectReader(port, { onData: () => undefined, onError: (e) => errors.push(e) });
    reader.start();
    pty!.write('before\n');
    await pty!.close();
    await waitFor('the read error', () => errors.length > 0, 10_000);
    expect(errors).toHaveLength(1);
  });
});
