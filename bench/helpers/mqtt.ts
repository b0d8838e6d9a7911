// A real MQTT.js subscriber that records what arrives, for assertions.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { waitFor } from './wait.ts';

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
  qos: number;
}

export class Recorder {
  readonly messages: Received[] = [];
  constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      this.messages.push({ topic, payload: payload.toString(), retain: packet.retain, qos: packet.qos });
    });
  }

  on(topic: string): Received[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  waitForCount(count: number, filter: (m: Received) => boolean = () => true, timeoutMs = 10_000): Promise<Received[]> {
    return waitFor(
      `${count} messages`,
      () => {
        const got = this.messages.filter(filter);
        return got.length >= count ? got : undefined;
      },
      timeoutMs,
    );
  }

  waitForTopic(topic: string, timeoutMs = 10_000): Promise<Received> {
    return waitFor(`a message on ${topic}`, () => this.messages.find((m) => m.topic === topic), timeoutMs);
  }

  end(): Promise<void> {
    return this.client.endAsync();
  }
}

/**
 * Connects with the recorder already listening, so messages a returning persistent session
 * (clean: false) gets right after CONNACK are not missed.
 */
export async function connectRecorder(url: string, options: IClientOptions = {}): Promise<Recorder> {
  const client = mqtt.connect(url, { reconnectPeriod: 200, ...options });
  const recorder = new Recorder(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return recorder;
}

/** Connects, subscribes to `filters` at `qos` and records. */
export async function subscribe(url: string, filters: string | string[], options: IClientOptions & { qos?: 0 | 1 | 2 } = {}): Promise<Recorder> {
  const recorder = await connectRecorder(url, options);
  await recorder.client.subscribeAsync(filters, { qos: options.qos ?? 1 });
  return recorder;
}
