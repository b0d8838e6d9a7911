import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withReference } from '../hub/config/reference.ts';

describe('README', () => {
  it('has the configuration reference generated from the current schema (run `npm run docs`)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(withReference(readme)).toBe(readme);
  });
});
