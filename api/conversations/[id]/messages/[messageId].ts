/**
 * PUT /api/conversations/{id}/messages/{messageId} { role, content?, parts?, metadata? } →
 * 201 Message when created (counts like a POST; 429), 200 Message when it replaced that message.
 * DELETE → 204. 404 when the conversation is not the caller's (or, for DELETE, no such message).
 */
import { defineRoute } from '../../../../lib/http/route.js';
import { MESSAGE_ID } from '../../../../lib/messages/message-body.js';
import { deleteMessage, putMessage, putMessageBody } from '../../../../lib/messages/messages.js';
import { notFound } from '../../../../lib/errors.js';
import { pathId } from '../../../../lib/validation/path-id.js';

/** A message id in the path: anything that cannot be one names nothing (404). */
function messageIdOf(value: string | undefined): string {
  if (value === undefined || !MESSAGE_ID.test(value)) throw notFound('Message');
  return value;
}

export default defineRoute({
  PUT: async (ctx) => {
    const { user } = await ctx.auth();
    const id = pathId(ctx.params.id, 'Conversation');
    const messageId = messageIdOf(ctx.params.messageId);
    const body = await ctx.body(putMessageBody);
    const { value, created } = await putMessage(ctx.store, user.id, id, messageId, body, ctx.now());
    return { status: created ? 201 : 200, body: value };
  },
  DELETE: async (ctx) => {
    const { user } = await ctx.auth();
    const id = pathId(ctx.params.id, 'Conversation');
    await deleteMessage(ctx.store, user.id, id, messageIdOf(ctx.params.messageId), ctx.now());
    return { status: 204 };
  },
});
