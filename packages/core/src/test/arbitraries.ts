/** Random event streams for the property and differential tests (test-only, not exported by the package). */
import fc from 'fast-check';

/**
 * Streams built from the pieces that matter to a parser: field names, colons, spaces,
 * every line ending, BOMs, NULs, multi-byte characters, digits.
 */
export const streamPiece = fc.constantFrom(
  'data',
  'event',
  'id',
  'retry',
  ':',
  ' ',
  '\n',
  '\r',
  '\r\n',
  '\n\n',
  'x',
  'é',
  '€',
  '😀',
  '\0',
  '\uFEFF',
  '7',
  '42',
  'data: ',
  'id: ',
  'retry: ',
  'event: ',
);

/** A random stream of up to 60 pieces. */
export const stream = fc.array(streamPiece, { maxLength: 60 }).map((pieces) => pieces.join(''));
