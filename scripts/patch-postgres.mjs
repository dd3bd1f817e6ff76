#!/usr/bin/env node
/**
 * npm postinstall: applies patches/postgres@3.4.9.patch to node_modules/postgres (see that file
 * for the why). Plain Node (no TypeScript, no dependencies) because it runs during `npm install`.
 * Idempotent: a hunk already applied is skipped. Hunks are located by their exact text, not by
 * line numbers. A different postgres version is left alone with a warning (re-check upstream and
 * refresh the patch); a 3.4.9 file the patch does not fit fails the install.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const VERSION = '3.4.9';
const patchFile = join(root, 'patches', `postgres@${VERSION}.patch`);
const packageDir = join(root, 'node_modules', 'postgres');

/** Parses a unified diff into { path, hunks: [{ before, after }] } per file. */
export function parsePatch(text) {
  const files = [];
  let file = null;
  let hunk = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('+++ ')) {
      file = { path: line.slice(4).replace(/^b\//, '').trim(), hunks: [] };
      files.push(file);
      hunk = null;
    } else if (line.startsWith('--- ')) {
      hunk = null;
    } else if (line.startsWith('@@') && file) {
      hunk = { before: [], after: [] };
      file.hunks.push(hunk);
    } else if (hunk && (line.startsWith(' ') || line === '')) {
      hunk.before.push(line.slice(1));
      hunk.after.push(line.slice(1));
    } else if (hunk && line.startsWith('-')) {
      hunk.before.push(line.slice(1));
    } else if (hunk && line.startsWith('+')) {
      hunk.after.push(line.slice(1));
    }
  }
  for (const f of files) {
    for (const h of f.hunks) {
      // A trailing empty line from the split is not part of the hunk.
      while (h.before.at(-1) === '' && h.after.at(-1) === '') {
        h.before.pop();
        h.after.pop();
      }
    }
  }
  return files;
}

const count = (haystack, needle) => haystack.split(needle).length - 1;

/** Applies the hunks to `source`; returns { source, applied, skipped } or throws naming the hunk. */
export function applyHunks(source, hunks, path) {
  let out = source;
  let applied = 0;
  let skipped = 0;
  hunks.forEach((h, i) => {
    const before = h.before.join('\n');
    const after = h.after.join('\n');
    if (count(out, after) === 1 && count(out, before) === 0) {
      skipped += 1;
    } else if (count(out, before) === 1) {
      out = out.replace(before, () => after);
      applied += 1;
    } else {
      throw new Error(`${path}: hunk ${i + 1} does not fit (found ${count(out, before)} matches of its context).`);
    }
  });
  return { source: out, applied, skipped };
}

function main() {
  if (!existsSync(join(packageDir, 'package.json'))) {
    console.log('patch-postgres: postgres is not installed; nothing to patch.');
    return 0;
  }
  const version = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version;
  if (version !== VERSION) {
    console.warn(
      `patch-postgres: postgres ${version} installed, the patch is for ${VERSION}; not applied. ` +
        'Check porsager/postgres #1154/#1208 and refresh patches/ for this version.',
    );
    return 0;
  }
  const files = parsePatch(readFileSync(patchFile, 'utf8'));
  for (const file of files) {
    const target = join(packageDir, file.path);
    if (!existsSync(target)) continue; // e.g. an install without the cf/ build
    const result = applyHunks(readFileSync(target, 'utf8'), file.hunks, file.path);
    if (result.applied > 0) writeFileSync(target, result.source);
    console.log(`patch-postgres: ${file.path}: ${result.applied} hunk(s) applied, ${result.skipped} already in place.`);
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = main();
  } catch (error) {
    console.error(`patch-postgres: FAILED: ${error instanceof Error ? error.message : String(error)}`);
    // The usual cause: node_modules/postgres still carries an earlier version of our patch.
    console.error(
      'patch-postgres: reinstall the pristine package and patch again: rm -rf node_modules/postgres && npm install',
    );
    process.exitCode = 1;
  }
}
