// Environment variables as settings overrides: above the settings file, below flags.
// Empty variables count as unset (`ROOMLINK_BROKER= roomlink hub` means "no override").
import { numberOrText } from './args.ts';
import { setAt, type SettingsLayer, type PlainObject } from './layers.ts';
import { splitUrlCredentials } from './url.ts';

type EnvKind = 'string' | 'number' | 'path' | 'url' | 'list';

interface EnvSpec {
  name: string;
  key: string[];
  kind: EnvKind;
}

export const ENV_VARS: readonly EnvSpec[] = [
  { name: 'ROOMLINK_BROKER', key: ['mqtt', 'url'], kind: 'url' },
  { name: 'ROOMLINK_MQTT_USERNAME', key: ['mqtt', 'username'], kind: 'string' },
  { name: 'ROOMLINK_MQTT_PASSWORD', key: ['mqtt', 'password'], kind: 'string' },
  { name: 'ROOMLINK_MQTT_PASSWORD_FILE', key: ['mqtt', 'password_file'], kind: 'path' },
  { name: 'ROOMLINK_BROKER_USERNAME', key: ['broker', 'username'], kind: 'string' },
  { name: 'ROOMLINK_BROKER_PASSWORD', key: ['broker', 'password'], kind: 'string' },
  { name: 'ROOMLINK_BROKER_PASSWORD_FILE', key: ['broker', 'password_file'], kind: 'path' },
  { name: 'ROOMLINK_DATA_DIR', key: ['data_dir'], kind: 'path' },
  { name: 'ROOMLINK_LOG_LEVEL', key: ['log_level'], kind: 'string' },
  { name: 'ROOMLINK_SERIAL', key: ['serial', 'ports'], kind: 'list' },
  { name: 'ROOMLINK_QOS', key: ['qos'], kind: 'number' },
  { name: 'ROOMLINK_HTTP_PASSWORD', key: ['http', 'password'], kind: 'string' },
  { name: 'ROOMLINK_HTTP_PASSWORD_FILE', key: ['http', 'password_file'], kind: 'path' },
];

/** Name of the variable that points at the settings file (read by load.ts, not a setting). */
export const CONFIG_ENV = 'ROOMLINK_CONFIG';

/** The settings the environment overrides, labelled per variable for error messages. */
export function envLayer(env: NodeJS.ProcessEnv): SettingsLayer {
  const values: PlainObject = {};
  const labels: Record<string, string> = {};
  for (const spec of ENV_VARS) {
    const raw = env[spec.name];
    if (raw === undefined || raw.trim() === '') continue;
    const label = `environment variable ${spec.name}`;
    labels[spec.key.join('.')] = label;
    switch (spec.kind) {
      case 'number':
        setAt(values, spec.key, numberOrText(raw));
        break;
      case 'list':
        setAt(values, spec.key, raw.split(',').map((p) => p.trim()).filter(Boolean).map((path) => ({ path })));
        break;
      case 'url': {
        const split = splitUrlCredentials(raw.trim());
        setAt(values, spec.key, split.url);
        // The dedicated variables, when set, beat credentials inside ROOMLINK_BROKER.
        const overriddenBy = {
          username: ['ROOMLINK_MQTT_USERNAME'],
          password: ['ROOMLINK_MQTT_PASSWORD', 'ROOMLINK_MQTT_PASSWORD_FILE'],
        };
        for (const part of ['username', 'password'] as const) {
          const overridden = overriddenBy[part].some((name) => env[name]?.trim());
          if (split[part] !== undefined && !overridden) {
            setAt(values, [spec.key[0]!, part], split[part]);
            labels[`${spec.key[0]}.${part}`] = label;
          }
        }
        break;
      }
      default:
        setAt(values, spec.key, spec.kind === 'path' ? raw.trim() : raw);
    }
  }
  return { source: 'environment', values, labels };
}
