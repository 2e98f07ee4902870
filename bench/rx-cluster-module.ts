import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './environment.js';

/** The rx-cluster module as users import it. */
export type RxCluster = typeof import('../lib/index.js');

/** The rx-cluster code under test and where it came from. */
export interface LoadedRxCluster {
  module: RxCluster;
  source: string;
  /** mtime of the dist/index.js that was loaded; null when lib/ was. */
  distMtimeMs: number | null;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : entry.name.endsWith('.ts') ? statSync(path).mtimeMs : 0);
  }
  return newest;
}

/**
 * rx-cluster as published: the build in dist/ (`npm run bench` builds it first), so that
 * start-up and memory figures hold compiled JavaScript as users run it, not sources
 * compiled on the fly. Falls back to lib/ through tsx when dist/ is missing or older than
 * lib/, and says so.
 */
export async function loadRxCluster(): Promise<LoadedRxCluster> {
  const dist = join(ROOT, 'dist', 'index.js');
  if (existsSync(dist) && statSync(dist).mtimeMs >= newestSource(join(ROOT, 'lib'))) {
    const distMtimeMs = statSync(dist).mtimeMs;
    return { module: (await import(pathToFileURL(dist).href)) as RxCluster, source: 'dist/ (compiled by npm run build)', distMtimeMs };
  }
  return {
    module: await import('../lib/index.js'),
    source: 'lib/ compiled on the fly by tsx (dist/ missing or older than lib/)',
    distMtimeMs: null,
  };
}
