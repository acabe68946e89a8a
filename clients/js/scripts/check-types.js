// Fails when src/openapi.d.ts is not what openapi-typescript makes of ../../openapi.json now:
// regenerate it into a temporary file and compare. Fix with `npm run types`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const committed = join(root, 'src', 'openapi.d.ts');
const spec = process.argv[2] ?? join(root, '..', '..', 'openapi.json');
const dir = mkdtempSync(join(tmpdir(), 'ashen-types-'));
try {
  const fresh = join(dir, 'openapi.d.ts');
  const cli = join(root, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
  execFileSync(process.execPath, [cli, spec, '--output', fresh], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (readFileSync(fresh, 'utf8') !== readFileSync(committed, 'utf8')) {
    console.error('src/openapi.d.ts has drifted from openapi.json: run `npm run types` in clients/js and commit it');
    process.exit(1);
  }
  console.log('src/openapi.d.ts matches openapi.json');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
