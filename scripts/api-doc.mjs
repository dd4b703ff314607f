/* global fetch */
// Writes docs/api.md from the OpenAPI document of the built daemon: starts it on a temporary
// configuration with `http` on an ephemeral loopback port, reads /api/v1/openapi.json, renders it.
//   npm run build && node scripts/api-doc.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const { openapiMarkdown } = await import(join(root, 'dist', 'http', 'openapi-markdown.js'));
const dir = mkdtempSync(join(tmpdir(), 'dsari-api-doc-'));
writeFileSync(join(dir, 'dsari.yaml'), `data_dir: ${JSON.stringify(join(dir, 'var'))}\nhttp: {listen: "127.0.0.1:0"}\njobs: {}\n`);
const child = spawn(process.execPath, [join(root, 'dist', 'cli', 'dsari-daemon.js'), '-c', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
child.stderr.setEncoding('utf8');
const base = await new Promise((resolve, reject) => {
  child.stderr.on('data', (d) => {
    stderr += d;
    const m = /listening on (http:\/\/[\d.:]+)/.exec(stderr);
    if (m) resolve(m[1]);
  });
  child.on('exit', () => reject(new Error(`the daemon exited: ${stderr}`)));
});
try {
  const doc = await (await fetch(`${base}/api/v1/openapi.json`)).json();
  writeFileSync(join(root, 'docs', 'api.md'), openapiMarkdown(doc));
  console.log('docs/api.md written');
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
