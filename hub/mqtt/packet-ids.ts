// MQTT packet identifiers are 16-bit and shared by everything sent on one connection. The
// hub splits them: MQTT.js numbers its own packets (state publishes, subscriptions) from a
// small low range, and the reading pump, which writes its PUBLISH packets itself, owns the
// rest. So a PUBACK names its owner by its number alone.
import type { IClientOptions } from 'mqtt';

type IdProvider = NonNullable<IClientOptions['messageIdProvider']>;

/** Ids MQTT.js may use: 1..LAST_CLIENT_ID. */
export const LAST_CLIENT_ID = 4095;
/** Ids of readings: FIRST_READING_ID..65535. */
export const FIRST_READING_ID = LAST_CLIENT_ID + 1;
export const READING_IDS = 65535 - FIRST_READING_ID + 1;

/** MQTT.js's ids, 1..LAST_CLIENT_ID, never one still awaiting its acknowledgement. */
export class ClientIdRange implements IdProvider {
  private readonly inUse = new Set<number>();
  private last: number | null = null;

  allocate(): number | null {
    if (this.inUse.size >= LAST_CLIENT_ID) return null;
    let id = this.last ?? 0;
    do id = id >= LAST_CLIENT_ID ? 1 : id + 1;
    while (this.inUse.has(id));
    this.inUse.add(id);
    this.last = id;
    return id;
  }

  getLastAllocated(): number | null {
    return this.last;
  }

  register(id: number): boolean {
    if (id < 1 || id > LAST_CLIENT_ID || this.inUse.has(id)) return false;
    this.inUse.add(id);
    return true;
  }

  deallocate(id: number): void {
    this.inUse.delete(id);
  }

  clear(): void {
    this.inUse.clear();
  }
}
