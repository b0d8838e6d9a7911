// The one contract every hub feature keeps (like zigbee2mqtt's Extension): built from the
// settings by features/index.ts, started after the broker connection and before the serial
// ports, stopped in reverse. A feature listens through on(), which registers the listener
// on the event bus under the feature, so the base stop() removes every one of them; a
// feature with timers or files to close overrides stop() and calls super.stop().
import type { HubEventMap, HubEvents } from '../core/events.ts';

export abstract class Feature {
  /** For logs and tests. */
  abstract readonly name: string;

  constructor(protected readonly events: HubEvents) {}

  /** Registers its listeners and timers; no I/O that can fail (the hub is already connecting). */
  abstract start(): void;

  /** Removes every listener this feature registered on the bus. */
  stop(): void {
    this.events.removeListeners(this);
  }

  /** Listens to a hub event for as long as the feature runs. */
  protected on<K extends keyof HubEventMap>(event: K, listener: (...args: HubEventMap[K]) => void): void {
    this.events.on(event, listener, this);
  }
}
