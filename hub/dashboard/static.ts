// The page's own files, served as they are in the project (plain HTML, CSS and ES modules:
// nothing to build) plus uPlot from node_modules. Only the files listed here are served, so
// no path can reach anything else. Each is read once and kept with an ETag and, after its
// first request, its gzip form; a reload costs a 304 per file. Files change only with a new version of the hub, but
// `no-cache` makes the browser ask, so an updated hub is never shown with an old page.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync, constants as zlibConstants } from 'node:zlib';
import { PROJECT_ROOT } from '../project-root.ts';

export interface StaticFile {
  type: string;
  body: Buffer;
  /** The gzip form, made on first request (not at start: a Pi has better things to do). */
  gzip(): Buffer | undefined;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export const PUBLIC_DIR = join(PROJECT_ROOT, 'hub', 'dashboard', 'public');
const UPLOT_DIR = join(PROJECT_ROOT, 'node_modules', 'uplot', 'dist');

function entry(path: string): StaticFile {
  const body = readFileSync(path);
  const type = TYPES[extname(path)] ?? 'application/octet-stream';
  let zipped: Buffer | null | undefined;
  return {
    type,
    body,
    gzip: () => {
      if (zipped === undefined) {
        const z = type === 'image/png' ? null : gzipSync(body, { level: zlibConstants.Z_BEST_COMPRESSION });
        zipped = z && z.length < body.length ? z : null;
      }
      return zipped ?? undefined;
    },
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

/** URL path → file, for every file of the page. */
export function loadStaticFiles(): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (dir: string, prefix: string) => {
    for (const item of readdirSync(dir, { withFileTypes: true })) {
      if (item.isDirectory()) walk(join(dir, item.name), `${prefix}${item.name}/`);
      else if (TYPES[extname(item.name)]) files.set(`/${prefix}${item.name}`, entry(join(dir, item.name)));
    }
  };
  walk(PUBLIC_DIR, '');
  files.set('/', files.get('/index.html')!);
  files.set('/vendor/uPlot.iife.min.js', entry(join(UPLOT_DIR, 'uPlot.iife.min.js')));
  files.set('/vendor/uPlot.min.css', entry(join(UPLOT_DIR, 'uPlot.min.css')));
  return files;
}
