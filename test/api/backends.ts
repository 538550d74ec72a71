/**
 * The backends every API test runs on: 'js' always, 'native' whenever the
 * addon loads here (the project's test runner builds it first in CI).
 */
import { info, type BackendName } from '../../lib/index.js';

export const BACKENDS: BackendName[] = info().binary !== null ? ['js', 'native'] : ['js'];
