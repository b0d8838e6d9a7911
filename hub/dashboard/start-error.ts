// Why the dashboard cannot start, in its own module: the hub command imports it without
// loading the dashboard, which is loaded only when http.enabled is on.

/** A reason the dashboard cannot start that the user can fix; the message says how. */
export class DashboardStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DashboardStartError';
    // No stack trace: a setting to change, not a bug.
    this.stack = `${this.name}: ${message}`;
  }
}
