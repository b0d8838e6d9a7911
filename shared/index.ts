// Everything shared/ offers, in one place: the hub imports from here, and the Espruino-safety
// test bundles this file the way the firmware is built.
export * from './version.ts';
export * from './slug.ts';
export * from './topics.ts';
export * from './json.ts';
export * from './measurements.ts';
export * from './line-protocol.ts';
export * from './discovery.ts';
export * from './node-config.ts';
