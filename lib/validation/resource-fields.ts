/**
 * Field schemas shared by the response resources (User, Conversation, Message, …): the shapes the
 * API promises for ids and timestamps. Declared once, they type the presenters and document the
 * responses in docs/openapi.json.
 */
import { z } from 'zod';

/** ISO-8601 UTC with milliseconds, e.g. 2026-11-22T14:37:00.000Z. */
export const isoTimestamp = z.iso.datetime({ precision: 3 });

/** Ids the server makes. */
export const uuid = z.uuid();
