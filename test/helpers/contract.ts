/**
 * Glue for the contract suite: one store per backend describe block (fresh storage, cleaned up
 * afterwards) and assertions for AppError rejections.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { AppError } from '../../lib/errors.js';
import type { Store } from '../../lib/store/types.js';
import type { Backend, BackendInstance } from './backends.js';

/**
 * Registers beforeAll/afterAll in the current describe block; the returned getter gives the
 * block's store. Tests in a block share storage, so each creates its own users.
 */
export function useStore(backend: Backend): () => Store {
  let instance: BackendInstance | undefined;
  beforeAll(async () => {
    instance = await backend.create();
  });
  afterAll(async () => {
    await instance?.cleanup();
  });
  return () => {
    if (!instance) throw new Error(`the ${backend.name} store was not created (see beforeAll)`);
    return instance.store;
  };
}

export interface ExpectedError {
  status: number;
  code: string;
  /** details[0].path, when given. */
  path?: string;
}

/** Asserts that `promise` rejects with an AppError of this status/code (and first detail path). */
export async function expectAppError(promise: Promise<unknown>, expected: ExpectedError): Promise<AppError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected the call to reject').toBeDefined();
  expect(caught).toBeInstanceOf(AppError);
  const error = caught as AppError;
  expect({ status: error.status, code: error.code }).toEqual({ status: expected.status, code: expected.code });
  if (expected.path !== undefined) expect(error.details[0]?.path).toBe(expected.path);
  return error;
}

/** Resolves, or rejects only with an AppError 400 validation_failed: never anything else. */
export async function expectResolvesOrValidationError<T>(promise: Promise<T>): Promise<T | AppError> {
  try {
    return await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(400);
    expect((error as AppError).code).toBe('validation_failed');
    return error as AppError;
  }
}
