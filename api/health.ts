/**
 * GET /api/health: storage round trip plus backend figures. Unreachable storage → 503 with
 * Retry-After and a body that is both the health shape (`status: "unavailable"`) and the API.md
 * error envelope (`error: { code, message, details, requestId }`), so either kind of client copes.
 * Storage that reads but cannot be written (the JSON store on a full or read-only disk) → 200
 * `status: "degraded"` with `problem`: reads still work, so a load balancer keeps routing to it.
 * A JSON store that refuses writes (Vercel without DATABASE_URL) is healthy: 200 with `readOnly`.
 */
import pkg from '../package.json' with { type: 'json' };
import { AppError, internal, isAppError } from '../lib/errors.js';
import { appErrorReply } from '../lib/http/error-reply.js';
import { defineRoute, type Reply, type RequestContext } from '../lib/http/route.js';

async function health(ctx: RequestContext): Promise<Reply> {
  try {
    const report = await ctx.store.health();
    return {
      status: 200,
      body: {
        status: report.problem === undefined ? 'ok' : 'degraded',
        storage: report.storage,
        version: pkg.version,
        latencyMs: report.latencyMs,
        ...(report.pool ? { db: { latencyMs: report.latencyMs, pool: report.pool } } : {}),
        ...(report.migrations ? { migrations: report.migrations } : {}),
        ...(report.problem === undefined ? {} : { problem: report.problem }),
        ...(report.readOnly ? { readOnly: true } : {}),
      },
    };
  } catch (error) {
    const appError: AppError = isAppError(error) ? error : internal(error);
    if (appError.status !== 503) throw appError;
    ctx.log.warn('health check failed', { error: appError.cause ?? appError });
    const reply = appErrorReply(appError, ctx.requestId);
    return {
      ...reply,
      body: { status: 'unavailable', storage: ctx.store.kind, version: pkg.version, ...(reply.body as object) },
    };
  }
}

export default defineRoute({ GET: health });
