// All serial ports of the hub: the listed ones, plus, with auto-detection on, every known
// USB-UART bridge that appears (re-scanned periodically). Each port runs on its own: one
// unplugged or failing port never stops the others.
import type { Logger } from '../log.ts';
import type { SerialPortSettings } from '../config/schema.ts';
import { defaultBinding, listSerialPorts, type DetectedPort, type SerialBinding } from './port-list.ts';
import { SerialLink, type LinkState } from './serial-link.ts';

export interface PortManagerOptions {
  /** Ports listed in the settings. */
  ports: readonly SerialPortSettings[];
  /** Attach detected USB-UART bridges that are not listed. */
  autodetect: boolean;
  /** Defaults for ports that do not say. */
  baud: number;
  dtr: boolean;
  rts: boolean;
  maxLineBytes: number;
  reconnectMaxMs: number;
  /** How often to look for newly plugged boards, in ms. Default 5000. */
  rescanMs?: number;
  /** Serial binding; default the platform's. */
  binding?: SerialBinding;
  log: Logger;
}

/** A port as the rest of the hub sees it: its link plus what the settings say about it. */
export interface HubPort {
  /** Stable name: the configured path, or the by-id path of a detected board. */
  readonly id: string;
  readonly link: SerialLink;
  readonly settings: SerialPortSettings;
  /** The bridge chip, for detected ports. */
  readonly chip?: string;
}

export interface PortEvents {
  onLine(port: HubPort, line: string): void;
  onTooLong(port: HubPort): void;
  onOpen?(port: HubPort): void;
  onDown?(port: HubPort, error: Error): void;
}

export interface PortStatus {
  state: LinkState;
  device?: string;
  chip?: string;
  lines: number;
  opens: number;
  last_error?: string;
}

export class PortManager {
  private readonly options: PortManagerOptions;
  private readonly events: PortEvents;
  private readonly binding: SerialBinding;
  private readonly ports = new Map<string, HubPort>();
  private scanTimer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private stopped = true;

  constructor(options: PortManagerOptions, events: PortEvents) {
    this.options = options;
    this.events = events;
    this.binding = options.binding ?? defaultBinding;
  }

  async start(): Promise<void> {
    this.stopped = false;
    for (const settings of this.options.ports) this.attach(settings.path, settings);
    if (this.options.autodetect) {
      await this.scan();
      this.scanTimer = setInterval(() => void this.scan(), this.options.rescanMs ?? 5000);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.scanTimer);
    this.scanTimer = undefined;
    await this.scanning;
    await Promise.all([...this.ports.values()].map((p) => p.link.stop()));
  }

  get(id: string): HubPort | undefined {
    return this.ports.get(id);
  }

  all(): HubPort[] {
    return [...this.ports.values()];
  }

  status(): Record<string, PortStatus> {
    const out: Record<string, PortStatus> = {};
    for (const [id, port] of this.ports) {
      const { link } = port;
      out[id] = {
        state: link.state,
        device: link.openedPath !== id ? link.openedPath : undefined,
        chip: port.chip,
        lines: link.linesRead,
        opens: link.opens,
        last_error: link.lastError,
      };
    }
    return out;
  }

  /** Looks for known boards not attached yet and attaches them. */
  scan(): Promise<void> {
    this.scanning ??= this.scanOnce().finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    let found: DetectedPort[];
    try {
      found = await listSerialPorts(this.binding);
    } catch (err) {
      this.options.log.warn('cannot list serial ports', { error: (err as Error).message });
      return;
    }
    for (const detected of found) {
      if (this.stopped || !detected.chip || this.isAttached(detected)) continue;
      const id = detected.byIdPath ?? detected.path;
      this.options.log.info('board detected', { port: id, chip: detected.chip, serial_number: detected.serialNumber });
      this.attach(id, { path: id }, detected);
    }
  }

  private isAttached(detected: DetectedPort): boolean {
    for (const port of this.ports.values()) {
      const { link } = port;
      if (port.id === detected.path || port.id === detected.byIdPath || link.openedPath === detected.path) return true;
      if (detected.serialNumber !== undefined && link.serialNumber === detected.serialNumber) return true;
    }
    return false;
  }

  private attach(id: string, settings: SerialPortSettings, detected?: DetectedPort): void {
    const o = this.options;
    const link = new SerialLink(
      {
        path: id,
        baud: settings.baud ?? o.baud,
        dtr: settings.dtr ?? o.dtr,
        rts: settings.rts ?? o.rts,
        maxLineBytes: o.maxLineBytes,
        reconnectMaxMs: o.reconnectMaxMs,
        serialNumber: detected?.serialNumber,
        binding: this.binding,
        log: o.log,
      },
      {
        onLine: (line) => this.events.onLine(port, line),
        onTooLong: () => this.events.onTooLong(port),
        onOpen: () => this.events.onOpen?.(port),
        onDown: (_link, error) => this.events.onDown?.(port, error),
      },
    );
    const port: HubPort = { id, link, settings, chip: detected?.chip };
    this.ports.set(id, port);
    link.start();
  }
}
