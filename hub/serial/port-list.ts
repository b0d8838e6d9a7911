// The serial ports on this machine and what is attached: USB bridge chip, serial number
// and the stable /dev/serial/by-id name. Used by auto-detection, by re-resolving a port
// after it was unplugged, and by `roomlink ports`.
import { accessSync, constants as fsConstants } from 'node:fs';
import { readdir, readFile, realpath } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { autoDetect } from '@serialport/bindings-cpp';
import { identifyBridge } from './usb-bridges.ts';

export interface DetectedPort {
  /** Device path as the system lists it, e.g. /dev/ttyUSB0. */
  path: string;
  /** /dev/serial/by-id/... link to it, stable across replugging (Linux). */
  byIdPath?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  /** Known USB-UART bridge chip, when the ids match one. */
  chip?: string;
}

/** What a serial binding reports per port (@serialport/bindings-interface's PortInfo). */
export interface PortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  pnpId?: string;
  locationId?: string;
  productId?: string;
  vendorId?: string;
}

/**
 * A serial binding: the platform's (bindings-cpp) or @serialport/binding-mock in tests.
 * Only what the hub calls itself is named; the stream gets the whole object.
 */
export interface SerialBinding {
  list(): Promise<PortInfo[]>;
  open(options: object): Promise<unknown>;
}

export const BY_ID_DIR = '/dev/serial/by-id';

/** The platform's serial binding (bindings-cpp); tests pass @serialport/binding-mock instead. */
// The binding alone: the `serialport` package would also load its dozen parsers and mock.
export const defaultBinding = autoDetect() as unknown as SerialBinding;

/** Real device path → by-id link, from the links in `dir` (empty when there is none). */
export async function byIdLinks(dir = BY_ID_DIR): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return links;
  }
  await Promise.all(
    names.map(async (name) => {
      const link = join(dir, name);
      try {
        links.set(await realpath(link), link);
      } catch {
        /* dangling link: the device went away while we looked */
      }
    }),
  );
  return links;
}

export function describePort(info: PortInfo, byId: Map<string, string>): DetectedPort {
  const bridge = identifyBridge(info.vendorId, info.productId);
  const port: DetectedPort = { path: info.path };
  const link = byId.get(info.path);
  if (link) port.byIdPath = link;
  if (info.serialNumber) port.serialNumber = info.serialNumber;
  if (info.vendorId) port.vendorId = info.vendorId.toLowerCase();
  if (info.productId) port.productId = info.productId.toLowerCase();
  if (info.manufacturer) port.manufacturer = info.manufacturer;
  if (bridge) port.chip = bridge.chip;
  return port;
}

export async function listSerialPorts(binding: SerialBinding = defaultBinding, byIdDir = BY_ID_DIR): Promise<DetectedPort[]> {
  // bindings-cpp lists Linux ports by running `udevadm`; where there is none (containers)
  // its spawn error is an uncaught exception, so read sysfs instead.
  const list = binding === defaultBinding && process.platform === 'linux' && !hasUdevadm() ? listFromSysfs : () => binding.list();
  const [infos, byId] = await Promise.all([list(), byIdLinks(byIdDir)]);
  return infos.map((info) => describePort(info, byId)).sort((a, b) => a.path.localeCompare(b.path));
}

let udevadm: boolean | undefined;

function hasUdevadm(): boolean {
  udevadm ??= (process.env.PATH ?? '')
    .split(delimiter)
    .concat(['/usr/bin', '/bin', '/sbin', '/usr/sbin'])
    .some((dir) => {
      try {
        accessSync(join(dir, 'udevadm'), fsConstants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  return udevadm;
}

/** USB serial ports from /sys/class/tty: the USB device's ids are files a few levels up. */
export async function listFromSysfs(root = '/sys/class/tty'): Promise<PortInfo[]> {
  let names: string[];
  try {
    names = (await readdir(root)).filter((n) => /^tty(USB|ACM)\d+$/.test(n));
  } catch {
    return [];
  }
  const read = (path: string) =>
    readFile(path, 'utf8').then(
      (t) => t.trim(),
      () => undefined,
    );
  return Promise.all(
    names.map(async (name) => {
      const info: PortInfo = { path: `/dev/${name}` };
      let dir = await realpath(join(root, name, 'device')).catch(() => undefined);
      for (let up = 0; dir && up < 4; up++, dir = dirname(dir)) {
        const vendorId = await read(join(dir, 'idVendor'));
        if (vendorId === undefined) continue;
        info.vendorId = vendorId;
        info.productId = await read(join(dir, 'idProduct'));
        info.serialNumber = await read(join(dir, 'serial'));
        info.manufacturer = await read(join(dir, 'manufacturer'));
        break;
      }
      return info;
    }),
  );
}
