// Environment variables as settings overrides: above the settings file, below flags.
// Empty variables count as unset (`ROOMLINK_BROKER= roomlink hub` means "no override").
// Which variable sets which key is declared on the settings schema (`.meta({ env })`,
// read through cli-meta.ts), next to the key's flag.
import { numberOrText, type FlagKind } from './args.ts';
import { CONFIG_ENV, envOf, SETTINGS_CLI } from './cli-meta.ts';
import { setAt, type SettingsLayer, type PlainObject } from './layers.ts';
import { splitUrlCredentials } from './url.ts';

export interface EnvSpec {
  name: string;
  key: string[];
  /** As for flags; 'serial' and 'list' are comma lists, 'true'/'false' a boolean (true/false/1/0). */
  kind: FlagKind;
}

export const ENV_VARS: readonly EnvSpec[] = SETTINGS_CLI.filter((s) => s.env !== undefined).map((s) => ({ name: s.env!, key: s.key, kind: s.kind }));

export { CONFIG_ENV };

const commaList = (raw: string) =>
  raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);

/** The settings the environment overrides, labelled per variable for error messages. */
export function envLayer(env: NodeJS.ProcessEnv): SettingsLayer {
  const values: PlainObject = {};
  const labels: Record<string, string> = {};
  const isSet = (name: string | undefined) => name !== undefined && env[name] !== undefined && env[name]!.trim() !== '';
  for (const spec of ENV_VARS) {
    const raw = env[spec.name];
    if (raw === undefined || raw.trim() === '') continue;
    const label = `environment variable ${spec.name}`;
    labels[spec.key.join('.')] = label;
    switch (spec.kind) {
      case 'number':
        setAt(values, spec.key, numberOrText(raw));
        break;
      case 'serial':
        setAt(
          values,
          spec.key,
          commaList(raw).map((path) => ({ path })),
        );
        break;
      case 'list':
        setAt(values, spec.key, commaList(raw));
        break;
      case 'true':
      case 'false': {
        const text = raw.trim().toLowerCase();
        setAt(values, spec.key, text === 'true' || text === '1' ? true : text === 'false' || text === '0' ? false : raw);
        break;
      }
      case 'url': {
        const split = splitUrlCredentials(raw.trim());
        setAt(values, spec.key, split.url);
        // The dedicated variables, when set, beat credentials inside the URL's variable.
        const section = spec.key.slice(0, -1);
        const overriddenBy = {
          username: [envOf([...section, 'username'])],
          password: [envOf([...section, 'password']), envOf([...section, 'password_file'])],
        };
        for (const part of ['username', 'password'] as const) {
          if (split[part] !== undefined && !overriddenBy[part].some(isSet)) {
            setAt(values, [...section, part], split[part]);
            labels[[...section, part].join('.')] = label;
          }
        }
        break;
      }
      case 'path':
        setAt(values, spec.key, raw.trim());
        break;
      default:
        setAt(values, spec.key, raw);
    }
  }
  return { source: 'environment', values, labels };
}
