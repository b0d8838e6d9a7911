// Layering of settings sources (defaults < file < environment < flags) that remembers which
// source set each key, so a problem can name the file, variable or flag to fix.
import type { KeyPath, SettingsProblem } from './errors.ts';

export type PlainObject = Record<string, unknown>;

export interface SettingsLayer {
  /** Label used when a key has no label of its own: the file path, `environment`, `command line`. */
  source: string;
  values: PlainObject;
  /** Finer labels per key path (joined with "."), e.g. { qos: 'environment variable ROOMLINK_QOS' }. */
  labels?: Record<string, string>;
}

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets `value` at `key`, creating the mappings on the way. */
export function setAt(target: PlainObject, key: readonly string[], value: unknown): void {
  let node = target;
  for (const part of key.slice(0, -1)) {
    if (!isPlainObject(node[part])) node[part] = {};
    node = node[part] as PlainObject;
  }
  node[key[key.length - 1]!] = value;
}

const pathKey = (path: KeyPath) => path.join('.');

/** Sections where `password` and `password_file` are two ways to give one secret. */
const SECRET_SECTIONS = ['mqtt', 'broker'];

export class LayeredSettings {
  readonly values: PlainObject = {};
  readonly problems: SettingsProblem[] = [];
  private readonly origins = new Map<string, string>();

  add(layer: SettingsLayer): this {
    const values = structuredClone(layer.values);
    const labelOf = (path: KeyPath) => {
      for (let n = path.length; n > 0; n--) {
        const label = layer.labels?.[pathKey(path.slice(0, n))];
        if (label) return label;
      }
      return layer.source;
    };
    for (const section of SECRET_SECTIONS) this.resolveSecretPair(section, values, labelOf);
    this.keepPortOptions(values);
    this.merge(this.values, values, [], labelOf);
    return this;
  }

  /** The source that set the value at `path` (or the closest enclosing key that was set). */
  sourceOf(path: KeyPath): string {
    for (let n = path.length; n >= 0; n--) {
      const origin = this.origins.get(pathKey(path.slice(0, n)));
      if (origin) return origin;
    }
    // A problem with a whole section: name whatever set something inside it.
    const prefix = `${pathKey(path)}.`;
    const inside = [...this.origins].filter(([key]) => path.length === 0 || key.startsWith(prefix)).map(([, origin]) => origin);
    return [...new Set(inside)].join(', ') || 'settings';
  }

  private merge(target: PlainObject, source: PlainObject, at: KeyPath, labelOf: (path: KeyPath) => string): void {
    for (const [key, value] of Object.entries(source)) {
      if (value === undefined) continue;
      const path = [...at, key];
      if (isPlainObject(value)) {
        // Mappings merge key by key; an empty one changes nothing.
        if (!isPlainObject(target[key])) {
          target[key] = {};
          this.forget(path);
          this.origins.set(pathKey(path), labelOf(path));
        }
        this.merge(target[key] as PlainObject, value, path, labelOf);
      } else {
        // Scalars and lists replace what lower layers said.
        target[key] = value;
        this.forget(path);
        this.origins.set(pathKey(path), labelOf(path));
      }
    }
  }

  private forget(path: KeyPath): void {
    const prefix = `${pathKey(path)}.`;
    for (const key of [...this.origins.keys()]) if (key.startsWith(prefix)) this.origins.delete(key);
  }

  /**
   * A password given by a higher layer replaces a password_file from a lower one and the
   * other way round; both in one layer is ambiguous and reported.
   */
  private resolveSecretPair(section: string, values: PlainObject, labelOf: (path: KeyPath) => string): void {
    const incoming = values[section];
    if (!isPlainObject(incoming)) return;
    const hasPassword = incoming.password !== undefined;
    const hasFile = incoming.password_file !== undefined;
    if (hasPassword && hasFile) {
      this.problems.push({
        source: labelOf([section, 'password_file']),
        path: [section, 'password_file'],
        message: `set either ${section}.password or ${section}.password_file, not both (${labelOf([section, 'password'])} sets the password)`,
      });
      return;
    }
    const current = this.values[section];
    if (!isPlainObject(current)) return;
    const replaced = hasPassword ? 'password_file' : hasFile ? 'password' : undefined;
    if (replaced && current[replaced] !== undefined) {
      delete current[replaced];
      this.origins.delete(pathKey([section, replaced]));
    }
  }

  /**
   * A port listed by path alone (from --serial or ROOMLINK_SERIAL) keeps the options the
   * settings file gives for that path: the flag picks ports, the file describes them.
   */
  private keepPortOptions(values: PlainObject): void {
    const serial = values.serial;
    const current = this.values.serial;
    if (!isPlainObject(serial) || !Array.isArray(serial.ports) || !isPlainObject(current) || !Array.isArray(current.ports)) return;
    const known = current.ports as unknown[];
    serial.ports = serial.ports.map((port) => {
      if (!isPlainObject(port) || Object.keys(port).length !== 1 || typeof port.path !== 'string') return port;
      const match = known.find((k) => isPlainObject(k) && k.path === port.path);
      return match ?? port;
    });
  }
}
