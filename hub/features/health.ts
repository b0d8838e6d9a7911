// <bridge>/health every health.interval seconds (and on each connect): what the hub has
// done since start, so a silent problem shows up on the broker. Retained, so a subscriber
// that arrives between two reports gets the last one at once (see mqtt/messages.ts).
import type { Publisher } from '../mqtt/publisher.ts';

export class Health {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly parts: {
      /** Seconds between reports. */
      intervalS: number;
      /** Builds the report (the hub's stats()). */
      report: () => object;
      publisher: Publisher;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => this.publish(), this.parts.intervalS * 1000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  publish(): void {
    this.parts.publisher.state('bridgeHealth', this.parts.report());
  }
}
