/**
 * CI check of what `vercel build` would publish (`.vercel/output`): fails, listing the offenders,
 * when anything unintended is in it.
 *
 * - static/ holds exactly the files of public/ (vercel.json's outputDirectory), byte for byte;
 * - there is one function per route file under api/, each on the pinned runtime (nodejs24.x);
 * - a function holds only its compiled code (api/, lib/, db/ as .js and .js.map), package.json,
 *   node_modules/ and the files vercel.json's includeFiles adds (db/migrations/**): no TypeScript
 *   source, tests, scripts, docs, CI files, .npmrc/.env or other dot-files.
 *
 *   node --import tsx scripts/ci/check-vercel-output.ts [.vercel/output]
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { listFunctions } from '../vercel-output/functions.js';

const RUNTIME = 'nodejs24.x';
const FUNCTION_FILE = /^(?:(?:api|lib|db)\/.+\.js(?:\.map)?|package\.json|\.vc-config\.json)$/;
const INCLUDED_FILE = /^db\/migrations\/.+\.(?:sql|json)$/;

async function walk(dir: string, prefix = ''): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await walk(path.join(dir, entry.name), rel)));
    else files.push(rel);
  }
  return files;
}

async function routeFiles(apiDir: string): Promise<string[]> {
  const files = await walk(apiDir);
  return files
    .filter(
      (f) =>
        /\.ts$/.test(f) &&
        !/\.d\.ts$|\.test\.ts$/.test(f) &&
        !f.split('/').some((p) => p.startsWith('_') || p.startsWith('.')),
    )
    .map((f) => `/api/${f.replace(/\.ts$/, '')}`)
    .sort();
}

async function main(): Promise<number> {
  const outputDir = path.resolve(process.argv[2] ?? '.vercel/output');
  const projectDir = path.resolve(outputDir, '..', '..');
  const problems: string[] = [];

  const published = (await walk(path.join(outputDir, 'static'))).sort();
  const intended = (await walk(path.join(projectDir, 'public'))).sort();
  if (JSON.stringify(published) !== JSON.stringify(intended)) {
    problems.push(`static/ has ${JSON.stringify(published)}, public/ has ${JSON.stringify(intended)}`);
  }
  for (const file of published.filter((f) => intended.includes(f))) {
    const [a, b] = await Promise.all([
      fs.readFile(path.join(outputDir, 'static', file)),
      fs.readFile(path.join(projectDir, 'public', file)),
    ]);
    if (!a.equals(b)) problems.push(`static/${file} differs from public/${file}`);
  }

  const functions = await listFunctions(outputDir);
  const routes = functions.map((fn) => fn.route).sort();
  const expected = await routeFiles(path.join(projectDir, 'api'));
  if (JSON.stringify(routes) !== JSON.stringify(expected)) {
    problems.push(`functions ${JSON.stringify(routes)} do not match api/ routes ${JSON.stringify(expected)}`);
  }
  let fileCount = 0;
  for (const fn of functions) {
    if (fn.config.runtime !== RUNTIME) problems.push(`${fn.route}: runtime ${fn.config.runtime}, expected ${RUNTIME}`);
    const own = (await walk(fn.dir)).filter((f) => !f.startsWith('node_modules/'));
    fileCount += own.length;
    for (const file of own) if (!FUNCTION_FILE.test(file)) problems.push(`${fn.route}: unexpected file ${file}`);
    for (const inside of Object.keys(fn.config.filePathMap ?? {})) {
      if (!INCLUDED_FILE.test(inside)) problems.push(`${fn.route}: includeFiles adds ${inside}`);
    }
    const modules = await walk(path.join(fn.dir, 'node_modules'));
    for (const file of modules) {
      if (file.split('/').some((part) => part === '.npmrc' || part.startsWith('.env')))
        problems.push(`${fn.route}: node_modules/${file}`);
    }
  }

  if (problems.length > 0) {
    console.error(`check-vercel-output: ${problems.length} problem(s) in ${outputDir}:`);
    for (const p of problems) console.error(`  - ${p}`);
    return 1;
  }
  console.log(
    `check-vercel-output: ok: static/ = public/ (${published.join(', ')}); ${functions.length} functions on ${RUNTIME}, ` +
      `${fileCount} own files (compiled api/, lib/, db/ and package.json), includeFiles only db/migrations/**.`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('check-vercel-output: failed:', error);
    process.exit(1);
  },
);
