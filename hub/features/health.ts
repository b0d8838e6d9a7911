// <bridge>/health every health.interval seconds (and on each connect): what the hub has
// done since start, so a silent problem shows up on the broker. Retained, so a subscriber
// that arrives between two reports gets the last one at once (see mqtt/messages.ts).
import type { HubEvents } from '../core/events.ts';
import type { Publisher } from '../mqtt/publisher.ts';
import { Feature } from './feature.ts';

export class Health extends Feature {
  readonly name = 'health';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly parts: {
      events: HubEvents;
      /** Seconds between reports. */
      intervalS: number;
      /** Builds the report (the hub's stats()). */
      report: () => object;
      publisher: Publisher;
    },
  ) {
    super(parts.events);
  }

  start(): void {
    // On each connect too, before the queued readings go out (the hub's first words).
    this.on('brokerConnected', () => this.publish());
    this.timer = setInterval(() => this.publish(), this.parts.intervalS * 1000);
  }

  override stop(): void {
    super.stop();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  publish(): void {
    this.parts.publisher.state('bridgeHealth', this.parts.report());
  }
}
