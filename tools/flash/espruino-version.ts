// The Espruino release the firmware was checked against (../shared/ESPRUINO.md was measured
// on 2v29). The README quotes this constant; `roomlink flash` refuses older interpreters.
export const MIN_ESPRUINO_VERSION = '2v29';

export interface EspruinoVersion {
  major: number;
  minor: number;
  /** Development builds: commits after the release (2v29.277 → 277), else 0. */
  build: number;
}

/** Parses process.env.VERSION: "2v29", "2v29.277", "2v30.12" (cutting any suffix). */
export function parseEspruinoVersion(text: unknown): EspruinoVersion | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(\d+)v(\d+)(?:\.(\d+))?/.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), build: m[3] ? Number(m[3]) : 0 };
}

/** Negative when a is older than b. */
export function compareEspruinoVersions(a: EspruinoVersion, b: EspruinoVersion): number {
  return a.major - b.major || a.minor - b.minor || a.build - b.build;
}

/** True when `version` is at least MIN_ESPRUINO_VERSION. */
export function isSupportedEspruino(version: EspruinoVersion): boolean {
  return compareEspruinoVersions(version, parseEspruinoVersion(MIN_ESPRUINO_VERSION)!) >= 0;
}
