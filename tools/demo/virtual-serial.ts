// A serialport binding whose ports are in-process wires instead of devices: the demo
// connects a simulated board's console to the hub through it, so `npm start` needs no
// hardware and no socat. The hub reads and writes exactly as it does on /dev/ttyUSB0.
import type { PortInfo, SerialBinding } from '../../hub/serial/port-list.ts';

// The slice of @serialport/bindings-interface a port implements (that package's types do
// not resolve under NodeNext module resolution).
interface OpenOptions {
  path: string;
  baudRate: number;
  [option: string]: unknown;
}
interface PortStatus {
  cts: boolean;
  dsr: boolean;
  dcd: boolean;
}

/** One end of a wire: what the device prints goes to the hub, what the hub writes comes here. */
export interface VirtualWire {
  /** The device prints bytes (the hub reads them). */
  deviceWrites(data: Buffer | string): void;
  /** Called with what the hub writes to the device. */
  onHubWrite?: (data: Buffer) => void;
}

class CanceledError extends Error {
  readonly canceled = true;
}

class VirtualPort {
  isOpen = true;
  private pending: Buffer[] = [];
  private waiting: ((data: Buffer | undefined) => void) | undefined;

  constructor(
    readonly openOptions: OpenOptions,
    private readonly wire: WireState,
  ) {
    wire.port = this;
  }

  /** Bytes from the device, queued for the hub's next read. */
  push(data: Buffer): void {
    if (!this.isOpen) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve(data);
    } else this.pending.push(data);
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!this.isOpen) throw new CanceledError('port closed');
    let data = this.pending.shift();
    if (!data) {
      data = await new Promise<Buffer | undefined>((resolve) => (this.waiting = resolve));
      if (!data) throw new CanceledError('port closed');
    }
    const n = Math.min(length, data.length);
    data.copy(buffer, offset, 0, n);
    if (n < data.length) this.pending.unshift(data.subarray(n));
    return { buffer, bytesRead: n };
  }

  async write(buffer: Buffer): Promise<void> {
    if (!this.isOpen) throw new CanceledError('port closed');
    this.wire.onHubWrite?.(Buffer.from(buffer));
  }

  async close(): Promise<void> {
    this.isOpen = false;
    this.wire.port = undefined;
    this.waiting?.(undefined);
    this.waiting = undefined;
  }

  async update(): Promise<void> {}
  async set(): Promise<void> {}
  async get(): Promise<PortStatus> {
    return { cts: false, dsr: false, dcd: false };
  }
  async getBaudRate(): Promise<{ baudRate: number }> {
    return { baudRate: this.openOptions.baudRate };
  }
  async flush(): Promise<void> {
    this.pending = [];
  }
  async drain(): Promise<void> {}
}

interface WireState extends VirtualWire {
  path: string;
  port?: VirtualPort;
}

/** A binding that knows only the wires created on it. */
export class VirtualSerialBinding implements SerialBinding {
  private readonly wires = new Map<string, WireState>();

  /** Creates the device end of a wire; the hub opens `path`. */
  wire(path: string): VirtualWire {
    const state: WireState = {
      path,
      deviceWrites: (data) => state.port?.push(typeof data === 'string' ? Buffer.from(data, 'latin1') : data),
    };
    this.wires.set(path, state);
    return state;
  }

  async list(): Promise<PortInfo[]> {
    return [...this.wires.keys()].map((path) => ({
      path,
      manufacturer: 'roomlink demo',
      serialNumber: undefined,
      pnpId: undefined,
      locationId: undefined,
      productId: undefined,
      vendorId: undefined,
    }));
  }

  async open(options: object): Promise<VirtualPort> {
    const open = {
      dataBits: 8,
      lock: true,
      stopBits: 1,
      parity: 'none',
      rtscts: false,
      xon: false,
      xoff: false,
      xany: false,
      hupcl: true,
      ...options,
    } as unknown as OpenOptions;
    const wire = this.wires.get(open.path);
    if (!wire) throw new Error(`Error: No such file or directory, cannot open ${open.path}`);
    if (wire.port) throw new Error(`Error Resource temporarily unavailable Cannot lock port ${open.path}`);
    return new VirtualPort(open, wire);
  }
}
