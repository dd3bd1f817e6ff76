/**
 * What both backends can store exactly, checked in one place: text without U+0000 (PostgreSQL's
 * `text` refuses it with 22021, `jsonb` with 22P05) or a lone UTF-16 surrogate (silently turned
 * into U+FFFD), and JSON values (metadata) of JSON types only, nested at most JSON_MAX_DEPTH
 * levels. API.md rejects all of it with 400 validation_failed on every backend.
 *
 * The walk over a JSON value is iterative (an explicit stack, no recursion), so no input can
 * overflow the call stack here, and it runs before anything that recurses (zod, JSON.stringify)
 * sees the value. Every user of the rule calls this module: the request schemas
 * (storable-schema.ts), both stores, the request-body guard and data-transfer.
 */
import { validationFailed, type ErrorDetail } from '../errors.js';

/** How deep a JSON value (e.g. message metadata) may nest: `{}` is 1 level, `{"a":{}}` is 2. */
export const JSON_MAX_DEPTH = 64;

// A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The problem with one string, or null when PostgreSQL stores it exactly. */
export function unstorableReason(text: string): string | null {
  const match = UNSTORABLE.exec(text);
  if (!match) return null;
  return match[0] === '\u0000' ? 'must not contain NUL (U+0000) characters' : 'must not contain lone UTF-16 surrogates';
}

export type JsonIssueKind = 'text' | 'depth' | 'type';
export interface JsonIssue {
  kind: JsonIssueKind;
  /** Where, relative to the walked value (object keys and array indexes). */
  path: (string | number)[];
  message: string;
}

export interface JsonWalkOptions {
  /** Deepest nesting allowed (default JSON_MAX_DEPTH); the value's own container is level 1. */
  maxDepth?: number;
  /** Check strings and keys for unstorable text (default true). */
  text?: boolean;
  /** Check that every value is a JSON type: null, boolean, finite number, string, array, object (default true). */
  types?: boolean;
  /** Stop at the first issue (default false). */
  firstOnly?: boolean;
}

// Parent links instead of a path array per node: a path is built only for a node with an issue.
interface Frame {
  value: unknown;
  key: string | number | undefined;
  parent: Frame | undefined;
  depth: number;
}

function pathOf(frame: Frame | undefined): (string | number)[] {
  const out: (string | number)[] = [];
  for (let f = frame; f && f.key !== undefined; f = f.parent) out.push(f.key);
  return out.reverse();
}

function typeProblem(value: unknown): string | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : 'must be a finite number';
  if (typeof value === 'object') return null;
  return 'must be a JSON value';
}

/** Every problem (or the first) with `value` as a stored JSON value: unstorable text, too deep, not JSON. */
export function jsonIssues(value: unknown, options: JsonWalkOptions = {}): JsonIssue[] {
  const { maxDepth = JSON_MAX_DEPTH, text = true, types = true, firstOnly = false } = options;
  const issues: JsonIssue[] = [];
  const add = (kind: JsonIssueKind, frame: Frame, message: string): boolean => {
    issues.push({ kind, path: pathOf(frame), message });
    return firstOnly;
  };
  const stack: Frame[] = [{ value, key: undefined, parent: undefined, depth: 0 }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const v = frame.value;
    if (typeof v === 'string') {
      const reason = text ? unstorableReason(v) : null;
      if (reason && add('text', frame, reason)) break;
      continue;
    }
    if (v === null || typeof v !== 'object') {
      const problem = types ? typeProblem(v) : null;
      if (problem && add('type', frame, problem)) break;
      continue;
    }
    if (frame.depth + 1 > maxDepth) {
      if (add('depth', frame, `must not nest deeper than ${maxDepth} levels`)) break;
      continue;
    }
    const depth = frame.depth + 1;
    // Pushed in reverse so that issues come out in document order.
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i] as unknown, key: i, parent: frame, depth });
      continue;
    }
    const entries = Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, item] = entries[i]!;
      const child: Frame = { value: item, key, parent: frame, depth };
      const reason = text ? unstorableReason(key) : null;
      if (reason && add('text', child, `key ${reason}`)) return issues;
      stack.push(child);
    }
  }
  return issues;
}

/** True when `value` is a storable JSON value within the depth limit (the fast path: stops at the first problem). */
export function isStorableJson(value: unknown): boolean {
  return jsonIssues(value, { firstOnly: true }).length === 0;
}

/** One API detail per issue under `field`; a depth issue names the field itself (the whole value is refused). */
export function issueDetails(field: string, issues: JsonIssue[]): ErrorDetail[] {
  return issues.map((issue) => ({
    path: issue.kind === 'depth' ? field : [field, ...issue.path].join('.'),
    message: issue.message,
  }));
}

/** Throws validationFailed naming every unstorable field of `fields` (field name → value). */
export function assertStorable(fields: Record<string, unknown>): void {
  const details: ErrorDetail[] = [];
  for (const [field, value] of Object.entries(fields)) {
    if (value !== undefined) details.push(...issueDetails(field, jsonIssues(value)));
  }
  if (details.length > 0) throw validationFailed(details);
}
