// What a simulated temperature/humidity sensor measures: fixed values, or a function of time
// (drifting values), which set() pins to fixed ones for a test.
export interface ClimateValues {
  temperature: number; // °C
  humidity: number; // %RH
}

export type ClimateInput = ClimateValues | (() => ClimateValues);

export class Climate {
  private source: ClimateInput;

  constructor(initial?: ClimateInput) {
    this.source = initial ?? { temperature: 21, humidity: 45 };
  }

  now(): ClimateValues {
    return typeof this.source === 'function' ? this.source() : this.source;
  }

  set(values: Partial<ClimateValues>): void {
    this.source = { ...this.now(), ...values };
  }
}

/** x within [lo, hi]: a sensor reports no further than its measuring range. */
export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
