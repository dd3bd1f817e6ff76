/**
 * Writes docs/openapi.json from the route table and zod schemas, and client/openapi.ts (the typed
 * client's types) from that document: `npm run openapi`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { renderClientTypes } from './openapi/client-types.js';
import { buildOpenApiDocument } from './openapi/document.js';

const root = new URL('../', import.meta.url);

/** The document as committed: 2-space JSON with a trailing newline. */
export function renderOpenApi(): string {
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string };
  return `${JSON.stringify(buildOpenApiDocument(pkg.version), null, 2)}\n`;
}

export const OPENAPI_PATH = new URL('docs/openapi.json', root);
export const CLIENT_TYPES_PATH = new URL('client/openapi.ts', root);

/** client/openapi.ts as committed. */
export function renderClientTypesFile(): Promise<string> {
  return renderClientTypes(renderOpenApi());
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(OPENAPI_PATH, renderOpenApi());
  console.log(`wrote ${OPENAPI_PATH.pathname}`);
  writeFileSync(CLIENT_TYPES_PATH, await renderClientTypesFile());
  console.log(`wrote ${CLIENT_TYPES_PATH.pathname}`);
}
