// Why the embedded broker cannot start, in its own module: the hub imports it (and the data
// dir lock extends it) without loading aedes and LevelDB, which only an embedded broker needs.
import { plainHint } from '../config/args.ts';

/**
 * A reason the broker cannot start that the user can fix; the message says how. `template`
 * is the message with each settings key in braces ({broker.port}), which a command renders
 * as its own flag for that key, or as the key in the settings file (config/args.ts renderHint).
 */
export class BrokerStartError extends Error {
  readonly template: string;
  constructor(
    template: string,
    /** 'port-in-use' when another program holds the port. */
    readonly reason?: 'port-in-use',
  ) {
    super(plainHint(template));
    this.template = template;
    this.name = 'BrokerStartError';
    // No stack trace: this is a setting to change, not a bug.
    this.stack = `${this.name}: ${this.message}`;
  }
}
