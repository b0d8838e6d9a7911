// Home Assistant's device-discovery rules, from test/fixtures/home-assistant-mqtt.json (read
// out of Home Assistant Core 2025.6.3 and checked against a running one; the file says how),
// applied to one discovery message. Returns the problems found; an empty list means Home
// Assistant takes the message as meant.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const RULES_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/home-assistant-mqtt.json');

interface SensorClass {
  units: string[];
  unitless: boolean;
  state_classes: string[];
}

interface Rules {
  topic_id_charset: string;
  device_discovery: { root_keys: string[]; not_inherited: Record<string, string>; required_root: string[] };
  device_keys: string[];
  origin_keys: string[];
  abbreviations: Record<string, string>;
  device_abbreviations: Record<string, string>;
  origin_abbreviations: Record<string, string>;
  later_abbreviations: Record<string, string>;
  components: Record<string, { keys: string[]; later_keys: string[] }>;
  sensor_device_classes: Record<string, SensorClass>;
  sensor_state_classes: string[];
  binary_sensor_device_classes: string[];
  entity_categories: string[];
}

let cached: Rules | undefined;
export function haRules(): Rules {
  cached ??= JSON.parse(readFileSync(RULES_PATH, 'utf8')) as Rules;
  return cached;
}

const ID = /^[a-zA-Z0-9_-]+$/;

/** The object with every abbreviated key spelled out; unknown keys are kept as they are. */
function expand(doc: Record<string, unknown>, ...maps: Record<string, string>[]): Record<string, any> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    const full = maps.map((m) => m[key]).find((k) => k !== undefined) ?? key;
    out[full] = value;
  }
  return out;
}

/**
 * Problems with one device-based discovery message (topic + JSON payload). `statusOf`
 * tells the last payload seen on an availability topic, so availability that never says
 * `online` is caught.
 */
export function discoveryProblems(topic: string, payload: string, statusOf?: (topic: string) => string | undefined): string[] {
  const r = haRules();
  const problems: string[] = [];
  const parts = topic.split('/');
  if (!(parts.length === 4 || parts.length === 5) || parts[1] !== 'device' || parts[parts.length - 1] !== 'config') {
    problems.push(`topic ${topic} is not <prefix>/device/[<node_id>/]<object_id>/config`);
  }
  for (const id of parts.slice(2, -1)) if (!ID.test(id)) problems.push(`topic id '${id}' is outside ${r.topic_id_charset}`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(payload);
  } catch {
    return [...problems, 'payload is not JSON'];
  }
  const rootMaps = [r.abbreviations, r.later_abbreviations];
  const doc = expand(raw, ...rootMaps);
  for (const key of Object.keys(doc)) if (!r.device_discovery.root_keys.includes(key) && key !== '~') problems.push(`unknown root key '${key}'`);
  for (const [key, why] of Object.entries(r.device_discovery.not_inherited)) {
    if (key in doc) problems.push(`${key} at the device level: ${why}; set it on each component`);
  }

  const dev = doc.device && expand(doc.device, r.device_abbreviations);
  if (!dev) problems.push('no dev');
  else {
    const ids = dev.identifiers;
    if (!(Array.isArray(ids) ? ids.length > 0 : typeof ids === 'string')) problems.push('dev has no ids');
    if (typeof dev.name !== 'string' || !dev.name) problems.push('dev has no name');
    for (const key of Object.keys(dev)) if (!r.device_keys.includes(key)) problems.push(`unknown dev key '${key}'`);
    if (dev.via_device !== undefined && typeof dev.via_device !== 'string') problems.push('dev.via_device must be the identifier of another device');
  }
  const origin = doc.origin && expand(doc.origin, r.origin_abbreviations);
  if (!origin || typeof origin.name !== 'string' || !origin.name) problems.push('o.name missing (required for device discovery)');
  else for (const key of Object.keys(origin)) if (!r.origin_keys.includes(key)) problems.push(`unknown o key '${key}'`);

  const availabilityProblems = (where: string, c: Record<string, any>) => {
    if (c.availability_topic && c.availability) problems.push(`${where}avty_t and avty are mutually exclusive`);
    for (const a of (c.availability ?? []) as Record<string, string>[]) {
      const t = a.t ?? a.topic;
      if (!t) problems.push(`${where}availability entry without topic`);
      else if (statusOf && statusOf(t) !== 'online') problems.push(`${where}availability topic ${t} does not carry 'online' (last: ${statusOf(t)})`);
    }
  };
  availabilityProblems('', doc);

  const cmps = doc.components;
  if (!cmps || typeof cmps !== 'object' || Object.keys(cmps).length === 0) problems.push('no cmps');
  const uniqueIds = new Set<string>();
  for (const [key, rawComponent] of Object.entries<Record<string, unknown>>(cmps ?? {})) {
    const where = `cmps.${key}: `;
    const c = expand(rawComponent, ...rootMaps);
    if (!ID.test(key)) problems.push(`${where}key outside ${r.topic_id_charset}`);
    const platform = c.platform;
    const schema = r.components[platform];
    if (!schema) {
      problems.push(`${where}platform '${platform}' is not one this project publishes`);
      continue;
    }
    for (const k of Object.keys(c)) {
      if (k !== 'platform' && !schema.keys.includes(k) && !schema.later_keys.includes(k)) problems.push(`${where}unknown key '${k}' for ${platform}`);
    }
    if (!c.unique_id) problems.push(`${where}no unique_id`);
    else if (uniqueIds.has(c.unique_id)) problems.push(`${where}duplicate unique_id ${c.unique_id}`);
    else uniqueIds.add(c.unique_id);
    if (!(c.state_topic ?? doc.state_topic)) problems.push(`${where}no state_topic`);
    // The default is QoS 0: a reading published while Home Assistant is away would be lost.
    if (c.qos !== 1) problems.push(`${where}qos is ${c.qos ?? 'unset (0)'}, not 1: Home Assistant would subscribe at QoS ${c.qos ?? 0}`);
    availabilityProblems(where, c);
    if (c.entity_category !== undefined && !r.entity_categories.includes(c.entity_category)) problems.push(`${where}entity_category '${c.entity_category}'`);
    const entityId = c.default_entity_id;
    if (entityId !== undefined && !new RegExp(`^${platform}\\.[a-z0-9_]+$`).test(entityId))
      problems.push(`${where}def_ent_id '${entityId}' is not ${platform}.<a-z0-9_>`);
    const deviceClass = c.device_class;
    const unit = c.unit_of_measurement;
    if (platform === 'sensor') {
      const known = deviceClass === undefined ? undefined : r.sensor_device_classes[deviceClass];
      if (deviceClass !== undefined && !known) problems.push(`${where}unknown sensor device_class '${deviceClass}'`);
      if (known && known.units.length > 0) {
        if (unit === undefined ? !known.unitless : !known.units.includes(unit))
          problems.push(`${where}unit '${unit}' is not one of ${known.units.join(' ')} for ${deviceClass}`);
      }
      const stateClass = c.state_class;
      if (stateClass !== undefined && !r.sensor_state_classes.includes(stateClass)) problems.push(`${where}state_class '${stateClass}'`);
      if (stateClass && known && known.state_classes.length > 0 && !known.state_classes.includes(stateClass))
        problems.push(`${where}state_class '${stateClass}' not allowed for ${deviceClass}`);
    } else if (platform === 'binary_sensor') {
      if (deviceClass !== undefined && !r.binary_sensor_device_classes.includes(deviceClass))
        problems.push(`${where}unknown binary_sensor device_class '${deviceClass}'`);
    }
  }
  return problems;
}
