// MQTT.js connect options from the settings: one place that turns mqtt.* into what
// mqtt.connect() wants, so TLS files, credentials and the client id are handled alike
// everywhere. Session and will options are the caller's business and are left out.
import { readFile } from 'node:fs/promises';
import type { IClientOptions } from 'mqtt';
import type { HubSettings } from './schema.ts';

export interface MqttConnectTarget {
  /** Broker URL without credentials. */
  url: string;
  options: IClientOptions;
}

/**
 * `brokerUrl` is the embedded broker's URL when mqtt.url is unset; credentials then come
 * from broker.username/password (the hub is a client of its own broker).
 */
export async function mqttConnectOptions(
  settings: HubSettings,
  brokerUrl?: string,
  /** The hub's own account on its embedded broker (used instead of broker.username). */
  embeddedCredentials?: { username: string; password: string },
): Promise<MqttConnectTarget> {
  const { mqtt } = settings;
  const url = mqtt.url ?? brokerUrl;
  if (!url) throw new Error('no broker URL: mqtt.url is unset and no embedded broker URL was given');
  const credentials = mqtt.url ? mqtt : (embeddedCredentials ?? settings.broker);
  const options: IClientOptions = {
    clientId: mqtt.client_id,
    keepalive: mqtt.keepalive,
    rejectUnauthorized: mqtt.reject_unauthorized,
  };
  if (credentials.username !== undefined) options.username = credentials.username;
  if (credentials.password !== undefined) options.password = credentials.password;
  if (mqtt.ca) options.ca = await readFile(mqtt.ca);
  if (mqtt.cert) options.cert = await readFile(mqtt.cert);
  if (mqtt.key) options.key = await readFile(mqtt.key);
  return { url, options };
}
