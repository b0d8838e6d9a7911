// Summary of a V8 CPU profile (node --cpu-prof): self time by function and by module, so
// the hub's hot path can be read off the benchmark report without opening DevTools.
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from './children.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  /** Sampled time excluding (idle), ms. */
  busyMs: number;
  idleMs: number;
  functions: ProfileEntry[];
  modules: ProfileEntry[];
}

function where(url: string): string {
  if (!url) return '';
  let path = url;
  if (url.startsWith('file://')) {
    try {
      path = fileURLToPath(url);
    } catch {
      /* keep it */
    }
  }
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) return path.slice(nm + 'node_modules/'.length);
  if (path.startsWith(PROJECT_ROOT)) return relative(PROJECT_ROOT, path);
  return path;
}

function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const w = where(url);
  if (w.startsWith('node:')) return `node:${w.slice(5).split('/')[0]}`;
  const m = /^(@[^/]+\/[^/]+|[^/]+)\//.exec(w);
  if (url.includes('node_modules/') && m) return m[1];
  return w;
}

export function summariseProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) byId.set(n.id, n);
  const selfUs = new Map<number, number>();
  // Sample i lasts until sample i+1 (as DevTools attributes it).
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1] : 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + Math.max(0, dt));
  }
  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const cf = byId.get(id)!.callFrame;
    if (cf.functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    const loc = cf.url ? ` ${where(cf.url)}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'}${loc}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const m = moduleOf(cf.url, cf.functionName);
    mod.set(m, (mod.get(m) ?? 0) + us);
  }
  const entries = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, percent: Math.round((us / Math.max(1, busy)) * 1000) / 10 }));
  return { busyMs: Math.round(busy / 1000), idleMs: Math.round(idle / 1000), functions: entries(fn), modules: entries(mod) };
}
