import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkNodeConfig } from '../shared/node-config.ts';
import { toSlug } from '../shared/slug.ts';
import { COMMANDS } from '../cli/cli.ts';
import { parseCommandLine } from '../hub/config/args.ts';
import { withReference } from '../hub/config/reference.ts';
import { EXAMPLE_NAMES, exampleNodeConfig } from '../tools/flash/example-node-configs.ts';
import { nodeConfigWarnings, parseJsonWithComments } from '../tools/flash/node-config-file.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** Every roomlink command line the README shows, in code blocks and inline code. */
function commandLines(): string[] {
  const code = [...readme.matchAll(/```\w*\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n'));
  const inline = [...readme.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  return [...code, ...inline]
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => /^(npx )?roomlink [a-z]/.test(line) || /^npm (start|run \w+) -- /.test(line));
}

describe('README', () => {
  it('has the configuration reference generated from the current schema (run `npm run docs`)', () => {
    expect(withReference(readme)).toBe(readme);
  });

  it("shows only command lines that the command's own parser takes", async () => {
    const lines = commandLines();
    expect(lines.length).toBeGreaterThan(15);
    const scripts: Record<string, string> = { 'npm start': 'demo', 'npm run bench': 'bench', 'npm run build:firmware': 'build' };
    for (const line of lines) {
      // Placeholders such as <HA address> stand for one word.
      const words = line.replace(/<[^>]+>/g, 'x').split(/\s+/);
      let name: string;
      let args: string[];
      const script = Object.keys(scripts).find((s) => line.startsWith(`${s} -- `));
      if (script) [name, args] = [scripts[script]!, line.slice(script.length + 4).split(/\s+/)];
      else [name, ...args] = words.slice(words[0] === 'npx' ? 2 : 1);
      expect(Object.keys(COMMANDS), line).toContain(name);
      const { command } = await COMMANDS[name]!.load();
      expect(command.flags, `${name} has a flag table`).toBeDefined();
      expect(() => parseCommandLine(args, command.flags!, command.positionals), line).not.toThrow();
    }
  });

  it('shows node configs that `config check` accepts, and sensor entries that fit in one', () => {
    const blocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => parseJsonWithComments(m[1]!) as Record<string, unknown>);
    const configs = blocks.filter((b) => 'node' in b);
    expect(configs.length).toBeGreaterThan(0);
    for (const config of configs) expect(checkNodeConfig(config)).toMatchObject({ ok: true });
    const sensors = [...readme.matchAll(/`(\{"type":[^`]*\})`/g)].map((m) => JSON.parse(m[1]!));
    expect(sensors.length).toBeGreaterThan(5);
    for (const sensor of sensors) {
      const check = checkNodeConfig({ node: 'n', room: 'r', transport: 'serial', sensors: [sensor] });
      expect(check, JSON.stringify(sensor)).toMatchObject({ ok: true });
    }
  });

  it('says how a room name becomes a slug as the code does it', () => {
    const [, name, slug] = /a room called\s+(.+?)\s+is written `([a-z0-9_-]+)`/.exec(readme) ?? [];
    expect(name).toBeDefined();
    expect(toSlug(name!)).toBe(slug);
  });
});

describe('example node configs', () => {
  it.each(EXAMPLE_NAMES)('%s is valid, and warned about only for its placeholders', (name) => {
    const check = checkNodeConfig(parseJsonWithComments(exampleNodeConfig(name)));
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(nodeConfigWarnings(check.config).map((w) => w.split(':')[0])).toEqual(['wifi.password', 'wifi.ssid']);
    // The same slug rules as everywhere: the README's living_room, not living-room.
    expect(check.config.room).not.toContain('-');
  });
});
