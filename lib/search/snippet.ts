/**
 * Search snippets, computed from the message content in the domain so both backends show the
 * same text: up to ~160 characters around the first occurrence of any query word, whitespace
 * collapsed, with '…' where the content was cut.
 */
export const SNIPPET_LENGTH = 160;
const LEAD = 60;

/** The query's words: runs of letters, digits and marks (operators and punctuation dropped). */
export function queryWords(q: string): string[] {
  return (q.match(/[\p{L}\p{N}\p{M}]+/gu) ?? []).map((w) => w.toLowerCase());
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function firstMatch(content: string, words: string[]): number {
  let best = -1;
  for (const word of words) {
    const index = content.search(new RegExp(escapeRegExp(word), 'iu'));
    if (index >= 0 && (best < 0 || index < best)) best = index;
  }
  return best;
}

// Never cut between the halves of a surrogate pair: the snippet must stay valid text.
function safeIndex(content: string, index: number): number {
  const code = content.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff ? index + 1 : index;
}

function wordStart(content: string, index: number): number {
  if (index === 0) return 0;
  const space = content.lastIndexOf(' ', index);
  return space >= 0 && index - space < 20 ? space + 1 : index;
}

export function snippet(content: string, q: string): string {
  const text = content.replace(/\s+/g, ' ').trim();
  if (text.length <= SNIPPET_LENGTH) return text;
  const match = firstMatch(text, queryWords(q));
  let start = match <= LEAD ? 0 : wordStart(text, match - LEAD);
  start = Math.min(safeIndex(text, start), text.length - SNIPPET_LENGTH);
  start = safeIndex(text, Math.max(0, start));
  const end = safeIndex(text, Math.min(text.length, start + SNIPPET_LENGTH));
  const body = text.slice(start, end).trim();
  return `${start > 0 ? '…' : ''}${body}${end < text.length ? '…' : ''}`;
}
