// What most real-part test files set up the same way: cleanups that run after each test,
// last first, and one private Mosquitto for the whole file.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { Mosquitto, type MosquittoOptions } from '../../bench/helpers/mosquitto.ts';

export type Cleanup = () => Promise<unknown> | unknown;

/** A list a test pushes its cleanups onto; they run after it, the last pushed first. */
export function cleanupsAfterEach(): Cleanup[] {
  const cleanups: Cleanup[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return cleanups;
}

/** A private Mosquitto started before the file's tests and disposed after them. */
export function mosquittoForAll(options: MosquittoOptions): Mosquitto {
  const broker = new Mosquitto(options);
  beforeAll(async () => {
    await broker.start();
  });
  afterAll(async () => {
    await broker.dispose();
  });
  return broker;
}
