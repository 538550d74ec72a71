/** The compiled package (dist/), built on demand when lib/ is newer, for tests that load it as users do. */
import path from 'node:path';
import { buildFacade } from '../../scripts/build-facade.mjs';

export const packageRoot = path.resolve(__dirname, '..', '..');

/** Runs `npm run build` unless dist/index.js and dist/index.mjs are newer than every source of the facade. */
export function ensureBuiltFacade(): void {
  buildFacade(packageRoot);
}
