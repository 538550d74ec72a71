// Writes dist/index.mjs and dist/index.d.mts: the ES-module face of the
// CommonJS build. Re-exporting one CommonJS module keeps a single copy of
// every class (instanceof works whether users import or require).
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const names = Object.keys(require('../dist/index.js')).filter((name) => name !== '__esModule');
writeFileSync(
  new URL('../dist/index.mjs', import.meta.url),
  `import backprop from './index.js';\nexport const { ${names.join(', ')} } = backprop;\nexport default backprop;\n`,
);
writeFileSync(new URL('../dist/index.d.mts', import.meta.url), `export * from './index.js';\n`);
