// One version for the hub, the firmware and the discovery origin.
export var VERSION = '0.1.0';
