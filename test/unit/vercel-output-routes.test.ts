/**
 * scripts/vercel-output/routes.ts over the routes `vercel build` (CLI 64.0.2) generated for this
 * project's api/ folder (copied from .vercel/output/config.json): dynamic segments arrive as query
 * parameters, unknown /api paths get the platform 404, static files and index functions resolve.
 */
import { describe, expect, it } from 'vitest';
import { createResolver, outputConfigSchema, type Filesystem } from '../../scripts/vercel-output/routes.js';

const config = outputConfigSchema.parse({
  version: 3,
  routes: [
    { handle: 'filesystem' },
    {
      src: '^/api/conversations/([^/]+)/(messages/|messages|messages\\.ts)$',
      dest: '/api/conversations/[id]/messages?id=$1',
      check: true,
    },
    { src: '^/api/conversations/([^/]+)$', dest: '/api/conversations/[id]?id=$1', check: true },
    { src: '^/api/tokens/([^/]+)$', dest: '/api/tokens/[id]?id=$1', check: true },
    { src: '^/api(/.*)?$', status: 404 },
    { handle: 'error' },
    { status: 404, src: '^(?!/api).*$', dest: '/404.html' },
    { handle: 'miss' },
    { src: '^/api/(.+)(?:\\.(?:ts))$', dest: '/api/$1', check: true },
  ],
});

const functions = new Set([
  '/api/health',
  '/api/conversations/index',
  '/api/conversations/[id]',
  '/api/conversations/[id]/messages',
  '/api/tokens/index',
  '/api/tokens/[id]',
]);
const filesystem: Filesystem = {
  functionFor: (p) => [p, `${p}/index`].find((c) => functions.has(decodeURIComponent(c))),
  staticFor: (p) => (p === '/robots.txt' ? '/static/robots.txt' : undefined),
};
const resolve = createResolver(config, filesystem);
const route = (url: string) => {
  const parsed = new URL(url, 'http://x');
  const result = resolve(parsed.pathname, parsed.searchParams);
  return result.kind === 'function' ? { route: result.route, query: Object.fromEntries(result.search) } : result;
};

describe('routes of a vercel build', () => {
  it('passes [id] segments as query parameters, alongside the request query', () => {
    expect(route('/api/conversations/c-1')).toEqual({ route: '/api/conversations/[id]', query: { id: 'c-1' } });
    expect(route('/api/conversations/c-1/messages?limit=5')).toEqual({
      route: '/api/conversations/[id]/messages',
      query: { id: 'c-1', limit: '5' },
    });
    expect(route('/api/tokens/t-9')).toEqual({ route: '/api/tokens/[id]', query: { id: 't-9' } });
  });

  it("lets a request's own query parameter replace the path's, as `vercel dev`'s router merges them", () => {
    expect(route('/api/conversations/c-1?id=other')).toEqual({
      route: '/api/conversations/[id]',
      query: { id: 'other' },
    });
  });

  it('finds plain and index functions through the filesystem phase', () => {
    expect(route('/api/health')).toEqual({ route: '/api/health', query: {} });
    expect(route('/api/conversations?archived=true')).toEqual({
      route: '/api/conversations/index',
      query: { archived: 'true' },
    });
  });

  it('serves static files and answers 404 for anything else', () => {
    expect(route('/robots.txt')).toEqual({ kind: 'static', file: '/static/robots.txt' });
    expect(route('/api/nope')).toEqual({ kind: 'status', status: 404 });
    expect(route('/api/conversations/c-1/messages/m-1/extra')).toEqual({ kind: 'status', status: 404 });
    expect(route('/package.json')).toEqual({ kind: 'status', status: 404 });
    expect(route('/')).toEqual({ kind: 'status', status: 404 });
  });
});
