// Espruino memory estimate of the firmware: run it in the host runtime (hub/espruino/runtime.ts)
// until its first publish and count what it holds, in 14-byte Espruino blocks.

/** A table of figures, or a sentence saying why there is none. */
export async function firmwareMemory(_firmwarePath: string): Promise<Record<string, number> | string> {
  const runtime = (await import('../../hub/espruino/runtime.ts' as string)) as Record<string, unknown>;
  if (typeof runtime.memoryEstimate !== 'function') return 'hub/espruino/runtime.ts has no memoryEstimate()';
  return 'memoryEstimate() found but not wired yet';
}
