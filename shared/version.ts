// One version for the hub, the firmware and the discovery origin.
export const VERSION = '0.1.0';
