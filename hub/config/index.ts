// The hub settings API in one import.
export {
  hubSettingsSchema,
  SLUG_PATTERN,
  LOG_LEVELS,
  type HubSettings,
  type HubSettingsInput,
  type LogLevel,
  type SerialPortSettings,
  type NodeSettings,
} from './schema.ts';
export { loadHubSettings, readSettingsFile, DEFAULT_CONFIG_NAME, type LoadHubSettingsOptions } from './load.ts';
export { parseHubArgs, parseBrokerArgs, hubUsage, brokerUsage, type ParsedArgs } from './args.ts';
export { SettingsError, formatProblem, type SettingsProblem } from './errors.ts';
export { describeSettings, redactUrl } from './describe.ts';
export { mqttConnectOptions, type MqttConnectTarget } from './client-options.ts';
