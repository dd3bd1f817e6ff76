/**
 * What `npm run bench:cold` starts: the functions `vercel build` made (.vercel/output, deployed to
 * a copy outside the project as scripts/vercel-output/functions.ts does, so a module the bundle
 * lacks is not found in the project's node_modules), or, without that directory, the files
 * `npm run build` made (dist/api/*.js, resolving the project's node_modules).
 * Either way a function is named by its file under api/ without the extension, e.g.
 * `api/conversations/index`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { deployFunctions, type OutputFunction } from '../../scripts/vercel-output/functions.js';
import type { ColdFunction } from './cold-process.js';

export type Source =
  { kind: 'vercel-output'; label: string; functions: OutputFunction[] } | { kind: 'dist'; label: string; root: string };

export async function findSource(projectDir: string, outputDir: string, forceDist: boolean): Promise<Source> {
  if (!forceDist && existsSync(path.join(outputDir, 'functions'))) {
    const functions = await deployFunctions(outputDir, projectDir);
    const where = path.dirname(path.dirname(functions[0]?.dir ?? outputDir));
    return {
      kind: 'vercel-output',
      label: `built Vercel functions: ${path.relative(projectDir, outputDir)} (vercel build), deployed copy in ${where}`,
      functions,
    };
  }
  const root = path.join(projectDir, 'dist');
  return {
    kind: 'dist',
    label:
      "npm run build output: dist/api/*.js with the project's node_modules (no .vercel/output; not a Vercel bundle)",
    root,
  };
}

/** The function for `name` (e.g. `api/me`), loaded as its `.vc-config.json` says. */
export function functionOf(source: Source, name: string): ColdFunction {
  if (source.kind === 'dist') {
    const handler = path.join(source.root, `${name}.js`);
    if (!existsSync(handler)) throw new Error(`${handler} is missing: run npm run build`);
    // In dist/, not the project: a developer's .env there must not reach the function.
    // vercel.json keeps @vercel/node's default, helpers on (shouldAddHelpers: true).
    return { dir: source.root, handler, helpers: true, environment: {} };
  }
  const fn = source.functions.find((f) => f.route === `/${name}`);
  if (!fn) throw new Error(`no function /${name} in the Vercel output`);
  if (fn.config.launcherType !== 'Nodejs') throw new Error(`/${name}: launcherType ${fn.config.launcherType}`);
  return {
    dir: fn.dir,
    handler: path.join(fn.dir, fn.config.handler),
    helpers: fn.config.shouldAddHelpers === true,
    environment: fn.config.environment ?? {},
  };
}

/** The same function under @vercel/node's dev launcher (scripts/vercel-output/functions.ts). */
export function outputFunctionOf(source: Source, name: string): OutputFunction | undefined {
  return source.kind === 'vercel-output' ? source.functions.find((f) => f.route === `/${name}`) : undefined;
}
