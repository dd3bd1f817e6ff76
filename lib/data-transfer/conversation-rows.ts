/**
 * The rows one conversation file becomes: its conversation row and its messages in list order,
 * as canonical cells (what checksums and verify compare) and, for an import, as stored cells (what
 * COPY writes), with the row uuids and the running seq the import hands out across the source.
 */
import { createHash } from 'node:crypto';
import { isUuid } from '../validation/uuid.js';
import {
  conversationCells,
  messageCells,
  messageRowCells,
  type SourceCell,
  type SourceMessage,
} from './canonical-row.js';
import type { ConversationFile, FileMessage } from './format.js';

/** How the import numbers message rows across a whole source: row uuids handed out, the last seq. */
export interface RowNumbering {
  rowIds: Set<string>;
  lastSeq: number;
}

export const newRowNumbering = (): RowNumbering => ({ rowIds: new Set(), lastSeq: 0 });

/**
 * A message row's internal uuid: its id when that is a UUID no earlier row of the source has
 * (so server-made ids read the same to the data tools), else one derived from the conversation
 * and message ids (the same on every run, so a re-import finds its rows).
 */
function rowIdOf(conversationId: string, messageId: string, taken: Set<string>): string {
  const own = messageId.toLowerCase();
  if (isUuid(messageId) && !taken.has(own)) return own;
  const h = createHash('sha256').update(`${conversationId.toLowerCase()}/${messageId}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The messages of a conversation in list order (createdAt, then seq; a version-1 file's seq is its place). */
function inListOrder(conv: ConversationFile): FileMessage[] {
  const withSeq = conv.messages.map((m, i) => ({ m, seq: m.seq ?? i + 1, i }));
  withSeq.sort((a, b) =>
    a.m.createdAt < b.m.createdAt ? -1 : a.m.createdAt > b.m.createdAt ? 1 : a.seq - b.seq || a.i - b.i,
  );
  return withSeq.map((x) => x.m);
}

/**
 * The conversation row and message rows of one file, as canonical source cells; with a numbering
 * (an import), also the messages' stored cells for COPY.
 */
export function conversationRows(
  conv: ConversationFile,
  numbering?: RowNumbering,
): { conversation: SourceCell[]; messages: SourceCell[][]; messageRows: SourceCell[][] } {
  const messages: SourceCell[][] = [];
  const messageRows: SourceCell[][] = [];
  inListOrder(conv).forEach((m, i) => {
    const rowId = numbering ? rowIdOf(conv.id, m.id, numbering.rowIds) : '';
    numbering?.rowIds.add(rowId);
    const message: SourceMessage = {
      ...m,
      conversationId: conv.id,
      rowId,
      position: i + 1,
      seq: numbering ? (numbering.lastSeq += 1) : 0,
    };
    messages.push(messageCells(message, conv.userId));
    if (numbering) messageRows.push(messageRowCells(message, conv.userId));
  });
  return {
    conversation: conversationCells({ ...conv, messageCount: conv.messages.length }),
    messages,
    messageRows,
  };
}
