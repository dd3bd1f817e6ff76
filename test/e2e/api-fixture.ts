/**
 * Per-file fixture for the API end-to-end tests: one dev-server child process per backend on
 * fresh storage, an HTTP client that fails the test on any 5xx response (no request in the
 * suite may ever produce a 500), and helpers that register users over HTTP.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Backend, BackendInstance } from '../helpers/backends.js';
import { api, startTestServer, type ApiClient, type ApiOptions, type ApiResponse, type TestServer } from './harness.js';

export interface TestUser {
  id: string;
  email: string;
  username: string;
  password: string;
  token: string;
}

export interface E2e {
  call: ApiClient;
  server(): TestServer;
  instance(): BackendInstance;
  /** Registers a fresh user over HTTP and returns its session token. */
  register(overrides?: Partial<{ email: string; username: string; password: string }>): Promise<TestUser>;
  /** Creates a conversation for `user` and returns its id. */
  conversation(user: TestUser, title?: string): Promise<string>;
}

export const unique = (): string => randomBytes(5).toString('hex');

/** Starts a server for `backend` before the file's tests and stops it after. */
export function useE2e(backend: Backend, extraEnv: Record<string, string> = {}): E2e {
  let instance: BackendInstance | undefined;
  let server: TestServer | undefined;

  beforeAll(async () => {
    instance = await backend.create();
    server = await startTestServer(instance, extraEnv);
  });
  afterAll(async () => {
    try {
      await server?.stop();
    } finally {
      await instance?.cleanup();
    }
  });

  const call: ApiClient = async <T>(method: string, path: string, options?: ApiOptions): Promise<ApiResponse<T>> => {
    if (!server) throw new Error('server not started');
    const res = await api(server.url)<T>(method, path, options);
    if (res.status >= 500) {
      expect.fail(
        `${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}\n${server.output().slice(-4000)}`,
      );
    }
    return res;
  };

  const e2e: E2e = {
    call,
    server: () => server ?? expect.fail('server not started'),
    instance: () => instance ?? expect.fail('backend not created'),
    async register(overrides = {}) {
      const id = unique();
      const body = { email: `u-${id}@example.test`, username: `u_${id}`, password: `pw-${id}-secret`, ...overrides };
      const res = await call<{ user: { id: string }; token: string }>('POST', '/api/auth/register', { json: body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return { ...body, id: res.body.user.id, token: res.body.token };
    },
    async conversation(user, title) {
      const res = await call<{ id: string }>('POST', '/api/conversations', {
        json: title ? { title } : {},
        token: user.token,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id;
    },
  };
  return e2e;
}

/** The API.md error envelope, for typed assertions. */
export interface ErrorBody {
  error: { code: string; message: string; details: { path: string; message: string }[]; requestId: string };
}

/** Asserts an error response: status, code, and (optionally) that some detail names `path`. */
export function expectError(res: ApiResponse<unknown>, status: number, code: string, path?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  const body = res.body as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
  if (path !== undefined) expect(body.error.details.map((d) => d.path)).toContain(path);
}
