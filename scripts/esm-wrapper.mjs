// Writes the ES-module face of each CommonJS entry point (dist/index.mjs,
// dist/queue/index.mjs and their .d.mts). Re-exporting one CommonJS module
// keeps a single copy of every class (instanceof works whether users import
// or require).
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
for (const entry of ['index', 'queue/index']) {
  const names = Object.keys(require(`../dist/${entry}.js`)).filter((name) => name !== '__esModule');
  writeFileSync(
    new URL(`../dist/${entry}.mjs`, import.meta.url),
    `import backprop from './index.js';\nexport const { ${names.join(', ')} } = backprop;\nexport default backprop;\n`,
  );
  writeFileSync(new URL(`../dist/${entry}.d.mts`, import.meta.url), `export * from './index.js';\n`);
}
