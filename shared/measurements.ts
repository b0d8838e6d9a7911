// What nodes measure: unit, plausible range, display precision and how Home Assistant
// should show it. Units are spelled exactly as Home Assistant spells them for the device
// class (test/fixtures/home-assistant-mqtt.json, read out of Home Assistant 2025.6.3); non-ASCII units are written with \u escapes so
// this file is ASCII on every platform (Espruino strings are 8-bit).

export interface NumericMeasurement {
  kind: 'numeric';
  /** Human name for Home Assistant's entity. */
  name: string;
  unit: string;
  min: number;
  max: number;
  /** Decimals shown (Home Assistant's suggested_display_precision). */
  precision: number;
  deviceClass: string;
  stateClass: string;
  /** Diagnostic entities are shown apart from the main ones. */
  diagnostic?: boolean;
}

export interface BinaryMeasurement {
  kind: 'binary';
  name: string;
  deviceClass: string;
}

export type Measurement = NumericMeasurement | BinaryMeasurement;

/** The ids, in catalogue order (topics and line-protocol keys use them). */
export function measurementIds(): string[] {
  return [
    'temperature',
    'humidity',
    'pressure',
    'illuminance',
    'carbon_dioxide',
    'pm1',
    'pm25',
    'pm10',
    'distance',
    'voltage',
    'battery',
    'signal_strength',
    'motion',
    'door',
    'occupancy',
    'presence',
  ];
}

/**
 * The catalogue entry for a measurement id (a fresh object), or undefined. Written as code,
 * not as a table object: on Espruino code stays in flash and a table would stay in RAM.
 * The Home Assistant device class is the id itself for every measurement.
 */
export function getMeasurement(id: string): Measurement | undefined {
  // name, unit, plausible min and max, display precision
  let n: [string, string, number, number, number];
  switch (id) {
    case 'temperature':
      n = ['Temperature', '\u00b0C', -55, 125, 1];
      break;
    case 'humidity':
      n = ['Humidity', '%', 0, 100, 1];
      break;
    case 'pressure':
      n = ['Pressure', 'hPa', 300, 1100, 1];
      break;
    case 'illuminance':
      n = ['Illuminance', 'lx', 0, 200000, 0];
      break;
    case 'carbon_dioxide':
      n = ['CO2', 'ppm', 0, 40000, 0];
      break;
    case 'pm1':
      n = ['PM1', '\u00b5g/m\u00b3', 0, 1000, 0];
      break;
    case 'pm25':
      n = ['PM2.5', '\u00b5g/m\u00b3', 0, 1000, 0];
      break;
    case 'pm10':
      n = ['PM10', '\u00b5g/m\u00b3', 0, 1000, 0];
      break;
    case 'distance':
      n = ['Distance', 'cm', 0, 10000, 0];
      break;
    case 'voltage':
      n = ['Voltage', 'V', 0, 100, 2];
      break;
    case 'battery':
      n = ['Battery', '%', 0, 100, 0];
      break;
    case 'signal_strength':
      n = ['Signal strength', 'dBm', -120, 0, 0];
      break;
    case 'motion':
      return { kind: 'binary', name: 'Motion', deviceClass: id };
    case 'door':
      return { kind: 'binary', name: 'Door', deviceClass: id };
    case 'occupancy':
      return { kind: 'binary', name: 'Occupancy', deviceClass: id };
    case 'presence':
      return { kind: 'binary', name: 'Presence', deviceClass: id };
    default:
      return undefined;
  }
  const m: NumericMeasurement = { kind: 'numeric', name: n[0], unit: n[1], min: n[2], max: n[3], precision: n[4], deviceClass: id, stateClass: 'measurement' };
  if (id === 'signal_strength') m.diagnostic = true;
  return m;
}

function catalogue(): { [id: string]: Measurement } {
  const all: { [id: string]: Measurement } = {};
  const ids = measurementIds();
  for (let i = 0; i < ids.length; i++) all[ids[i]] = getMeasurement(ids[i])!;
  return all;
}

/**
 * The whole catalogue as one object, keyed by measurement id, for the hub and tests. The
 * firmware uses getMeasurement() instead; being unused there, the bundler drops this.
 */
export const MEASUREMENTS: { [id: string]: Measurement } = /* @__PURE__ */ catalogue();

export type ReadingValue = number | boolean;

export type ValueRefusal = 'unknown_measurement' | 'invalid_value' | 'out_of_range';

/** The outcome of validating one value: never throws, whatever it is given. */
export type ValueCheck = { ok: true; value: ReadingValue } | { ok: false; reason: ValueRefusal; message: string };

/** Strict decimal: optional sign, digits, optional fraction. "1e3", "0x10", " 5" are not. */
export function parseDecimal(text: string): number | undefined {
  let i = 0;
  if (text.charAt(0) === '-' || text.charAt(0) === '+') i = 1;
  let digits = 0;
  let dot = false;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot) dot = true;
    else return undefined;
  }
  return digits > 0 && text.length <= 32 ? parseFloat(text) : undefined;
}

/**
 * Validates a value for a measurement. Numbers must be finite and within the plausible
 * range; binary readings take true/false, 1/0 or "ON"/"OFF". With `lenient`, decimal
 * strings count as numbers (for `key=value` lines, where everything is text).
 */
export function checkValue(measurementId: string, value: unknown, lenient?: boolean): ValueCheck {
  // Helpers declared inside: on Espruino they exist only while a value is checked.
  function refuse(reason: ValueRefusal, message: string): ValueCheck {
    return { ok: false, reason: reason, message: message };
  }

  function describeValue(value: unknown): string {
    if (typeof value === 'string') return "'" + (value.length > 20 ? value.slice(0, 20) + '...' : value) + "'";
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (value === null) return 'null';
    return typeof value;
  }
  const m = getMeasurement(measurementId);
  if (!m) return refuse('unknown_measurement', "unknown measurement '" + measurementId + "'");
  if (m.kind === 'binary') {
    if (value === true || value === 1 || value === 'ON' || (lenient && (value === 'on' || value === '1' || value === 'true'))) {
      return { ok: true, value: true };
    }
    if (value === false || value === 0 || value === 'OFF' || (lenient && (value === 'off' || value === '0' || value === 'false'))) {
      return { ok: true, value: false };
    }
    return refuse('invalid_value', measurementId + ' must be ON/OFF or true/false, got ' + describeValue(value));
  }
  let n: unknown = value;
  if (lenient && typeof value === 'string') n = parseDecimal(value);
  if (typeof n !== 'number' || n !== n || n === Infinity || n === -Infinity) {
    return refuse('invalid_value', measurementId + ' must be a finite number, got ' + describeValue(value));
  }
  if (n < m.min || n > m.max) {
    return refuse('out_of_range', measurementId + ' ' + n + ' ' + m.unit + ' is outside ' + m.min + '..' + m.max);
  }
  return { ok: true, value: n };
}

/**
 * The MQTT payload for a value: binary as ON/OFF, numbers as plain decimals rounded two
 * digits past the display precision (no exponent, no float noise such as 21.500000001).
 */
export function formatValue(measurementId: string, value: ReadingValue): string {
  if (typeof value === 'boolean') return value ? 'ON' : 'OFF';
  const m = getMeasurement(measurementId);
  const decimals = m && m.kind === 'numeric' ? m.precision + 2 : 3;
  const scale = Math.pow(10, decimals);
  const rounded = Math.round(value * scale) / scale;
  return String(rounded === 0 ? 0 : rounded);
}

/** A payload from the broker back into a value, for subscribers such as `roomlink watch`. */
export function parsePayload(measurementId: string, payload: string): ValueCheck {
  return checkValue(measurementId, payload, true);
}
