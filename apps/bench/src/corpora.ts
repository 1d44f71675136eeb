/**
 * The three event streams the decoder and encoder are measured on, generated
 * deterministically (same bytes every run): what LLM APIs send, what dashboards send,
 * and large multi-line documents.
 */
export interface Corpus {
  readonly name: string;
  /** The whole stream as UTF-8 bytes. */
  readonly bytes: Uint8Array;
  /** The same bytes cut into 4 KB chunks, as a socket would deliver them. */
  readonly chunks: readonly Uint8Array[];
  /** Events in the stream. */
  readonly events: number;
  /** The messages the stream was encoded from, for the encoder benchmark. */
  readonly messages: readonly { data: string; event?: string; id?: string }[];
}

export const CHUNK_SIZE = 4096;

/** A small deterministic PRNG (mulberry32), so corpora are identical across runs. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['the', 'stream', 'token', 'é', 'model', 'event', ' ', '日本', 'data', 'reply', '🙂'];

function frame(m: { data: string; event?: string; id?: string }): string {
  let out = '';
  if (m.event) out += `event: ${m.event}\n`;
  if (m.id) out += `id: ${m.id}\n`;
  for (const line of m.data.split('\n')) out += `data: ${line}\n`;
  return out + '\n';
}

function build(name: string, messages: { data: string; event?: string; id?: string }[]): Corpus {
  const bytes = new TextEncoder().encode(messages.map(frame).join(''));
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK_SIZE) chunks.push(bytes.subarray(i, i + CHUNK_SIZE));
  return { name, bytes, chunks, events: messages.length, messages };
}

/** Builds the three corpora at about `targetBytes` each. */
export function corpora(targetBytes: number): Corpus[] {
  const rnd = prng(42);
  const word = () => WORDS[Math.floor(rnd() * WORDS.length)]!;

  const tokens: { data: string }[] = [];
  for (let size = 0; size < targetBytes; ) {
    const data = JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { content: word() } }],
    });
    tokens.push({ data });
    size += data.length + 8;
  }

  const json: { data: string; event: string; id: string }[] = [];
  for (let i = 0, size = 0; size < targetBytes; i++) {
    const items = Array.from({ length: 12 }, (_, k) => ({
      k,
      name: `${word()}-${word()}`,
      value: Math.round(rnd() * 1e6) / 100,
      ok: rnd() > 0.5,
    }));
    const data = JSON.stringify({ seq: i, at: 1_700_000_000_000 + i, items }).slice(0, 1024);
    json.push({ data, event: 'update', id: String(i) });
    size += data.length + 30;
  }

  const docs: { data: string; id: string }[] = [];
  for (let i = 0, size = 0; size < targetBytes; i++) {
    const lines: string[] = [];
    let len = 0;
    while (len < 40 * 1024) {
      const line = Array.from({ length: 12 }, word).join(' ');
      lines.push(line);
      len += line.length + 7;
    }
    docs.push({ data: lines.join('\n'), id: String(i) });
    size += len;
  }

  return [
    build('LLM tokens (small events)', tokens),
    build('1 KB JSON with id + event', json),
    build('40 KB multi-line events', docs),
  ];
}
