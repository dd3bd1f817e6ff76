/**
 * Contract: health() reports the backend's storage kind and a round-trip latency; PostgreSQL
 * adds pool figures and migration status.
 */
import { describe, expect, test } from 'vitest';
import { backendCases } from '../helpers/backends.js';
import { useStore } from '../helpers/contract.js';

describe.each(backendCases)('%s', (_name, backend) => {
  const store = useStore(backend);

  test('health() names the storage and measures latency', async () => {
    const report = await store().health();
    expect(report.storage).toBe(backend.name);
    expect(report.latencyMs).toBeGreaterThanOrEqual(0);
    if (backend.name === 'postgres') {
      expect(report.pool).toMatchObject({ max: expect.any(Number), open: expect.any(Number) });
      expect(report.migrations).toEqual({ applied: expect.any(Number), pending: 0 });
      expect(report.migrations?.applied).toBeGreaterThanOrEqual(1);
    }
  });

  test('close() after use lets the process exit cleanly', async () => {
    const instance = await backend.create();
    await instance.store.health();
    await instance.cleanup();
  });
});
