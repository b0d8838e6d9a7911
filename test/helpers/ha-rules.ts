// Home Assistant's discovery rules, read from ../shared/ha-discovery.json (facts taken from
// Home Assistant's own source and docs), applied to a discovery message. Returns problems.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const RULES_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/ha-discovery.json');

export function haRulesAvailable(): boolean {
  if (existsSync(RULES_PATH)) return true;
  const message = `Home Assistant discovery rules not found at ${RULES_PATH}`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`skipping: ${message}`);
  return false;
}

interface Rules {
  discovery_topic: { node_id_and_object_id_charset: string };
  sensor_device_classes_all: Record<string, { units: string[] }>;
  sensor_device_classes_focus: Record<string, { allowed_units: string[]; allowed_state_classes_core_00eb6680?: string[] }>;
  binary_sensor_component: { device_classes: string[] };
  sensor_component: { state_classes: string[] };
  abbreviations: { core_verified_0f5c1b54: Record<string, string>; later_additions: Record<string, string>; device: Record<string, string>; origin: Record<string, string> };
}

let cached: Rules | undefined;
function rules(): Rules {
  cached ??= JSON.parse(readFileSync(RULES_PATH, 'utf8')) as Rules;
  return cached;
}

const ID = /^[a-zA-Z0-9_-]+$/;

/**
 * Problems with one device-based discovery message (topic + JSON payload). `statusOf`
 * tells the last payload seen on an availability topic, so availability that never says
 * `online` is caught.
 */
export function discoveryProblems(topic: string, payload: string, statusOf?: (topic: string) => string | undefined): string[] {
  const r = rules();
  const problems: string[] = [];
  const parts = topic.split('/');
  if (!(parts.length === 4 || parts.length === 5) || parts[1] !== 'device' || parts[parts.length - 1] !== 'config') {
    problems.push(`topic ${topic} is not <prefix>/device/[<node_id>/]<object_id>/config`);
  }
  for (const id of parts.slice(2, -1)) if (!ID.test(id)) problems.push(`topic id '${id}' is outside [a-zA-Z0-9_-]`);
  let doc: Record<string, any>;
  try {
    doc = JSON.parse(payload);
  } catch {
    return [...problems, 'payload is not JSON'];
  }
  const rootKeys = new Set([
    ...Object.keys(r.abbreviations.core_verified_0f5c1b54),
    ...Object.keys(r.abbreviations.later_additions),
    ...Object.values(r.abbreviations.core_verified_0f5c1b54),
    ...Object.values(r.abbreviations.later_additions),
    'qos',
  ]);
  for (const key of Object.keys(doc)) if (!rootKeys.has(key)) problems.push(`unknown root key '${key}'`);
  const dev = doc.dev ?? doc.device;
  if (!dev) problems.push('no dev');
  else {
    const ids = dev.ids ?? dev.identifiers;
    if (!(Array.isArray(ids) ? ids.length > 0 : typeof ids === 'string')) problems.push('dev has no ids');
    if (typeof dev.name !== 'string' || !dev.name) problems.push('dev has no name');
    const devKeys = new Set([...Object.keys(r.abbreviations.device), ...Object.values(r.abbreviations.device)]);
    for (const key of Object.keys(dev)) if (!devKeys.has(key)) problems.push(`unknown dev key '${key}'`);
  }
  const origin = doc.o ?? doc.origin;
  if (!origin || typeof origin.name !== 'string' || !origin.name) problems.push('o.name missing (required for device discovery)');
  const avty: { t?: string; topic?: string }[] = doc.avty ?? doc.availability ?? [];
  if (doc.avty_t && doc.avty) problems.push('avty_t and avty are mutually exclusive');
  for (const a of avty) {
    const t = a.t ?? a.topic;
    if (!t) problems.push('availability entry without topic');
    else if (statusOf && statusOf(t) !== 'online') problems.push(`availability topic ${t} does not carry 'online' (last: ${statusOf(t)})`);
  }
  const cmps = doc.cmps ?? doc.components;
  if (!cmps || typeof cmps !== 'object' || Object.keys(cmps).length === 0) problems.push('no cmps');
  const uniqueIds = new Set<string>();
  for (const [key, c] of Object.entries<Record<string, any>>(cmps ?? {})) {
    const where = `cmps.${key}`;
    if (!ID.test(key)) problems.push(`${where}: key outside [a-zA-Z0-9_-]`);
    const platform = c.p ?? c.platform;
    if (platform !== 'sensor' && platform !== 'binary_sensor') problems.push(`${where}: p is '${platform}'`);
    const uid = c.uniq_id ?? c.unique_id;
    if (!uid) problems.push(`${where}: no unique_id`);
    else if (uniqueIds.has(uid)) problems.push(`${where}: duplicate unique_id ${uid}`);
    else uniqueIds.add(uid);
    if (!(c.stat_t ?? c.state_topic)) problems.push(`${where}: no state_topic`);
    const entityId = c.def_ent_id ?? c.default_entity_id;
    if (entityId !== undefined && !new RegExp(`^${platform}\\.[a-z0-9_]+$`).test(entityId)) problems.push(`${where}: def_ent_id '${entityId}' is not ${platform}.<a-z0-9_>`);
    const deviceClass = c.dev_cla ?? c.device_class;
    const unit = c.unit_of_meas ?? c.unit_of_measurement;
    if (platform === 'sensor') {
      const focus = r.sensor_device_classes_focus[deviceClass];
      const all = r.sensor_device_classes_all[deviceClass];
      if (!focus && !all) problems.push(`${where}: unknown sensor device_class '${deviceClass}'`);
      const units = focus?.allowed_units ?? all?.units ?? [];
      if (unit !== undefined && !units.includes(unit)) problems.push(`${where}: unit '${unit}' is not one of ${units.join(' ')} for ${deviceClass}`);
      const stateClass = c.stat_cla ?? c.state_class;
      if (stateClass !== undefined && !r.sensor_component.state_classes.includes(stateClass)) problems.push(`${where}: state_class '${stateClass}'`);
      const allowedStateClasses = focus?.allowed_state_classes_core_00eb6680;
      if (stateClass && allowedStateClasses && !allowedStateClasses.includes(stateClass)) problems.push(`${where}: state_class '${stateClass}' not allowed for ${deviceClass}`);
    } else if (platform === 'binary_sensor') {
      if (deviceClass !== undefined && !r.binary_sensor_component.device_classes.includes(deviceClass)) problems.push(`${where}: unknown binary_sensor device_class '${deviceClass}'`);
      if (unit !== undefined) problems.push(`${where}: binary_sensor with a unit`);
    }
  }
  return problems;
}
