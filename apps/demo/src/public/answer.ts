// The answer panel: ask, and the answer streams in through @sse/client; drop the
// connection (the client resumes with GET + Last-Event-ID at the resume URL, never
// re-sending the question), follow the same answer in a second view (or another tab:
// `?answer=<id>`), stop it from either. Each view counts tokens by their event ids:
// lost (a gap) and duplicated (an id seen twice) must stay 0.
import { events, EventSource as SseEventSource } from '@sse/client';
import { RESUME_URL_HEADER, resumeFetch } from '@sse/resumable';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** One view of an answer: its text and the exactly-once check on event ids. */
class View {
  private last = 0;
  tokens = 0;
  lost = 0;
  duplicated = 0;
  constructor(private readonly prefix: string) {}

  reset(): void {
    this.last = this.tokens = this.lost = this.duplicated = 0;
    $(`${this.prefix}-text`).textContent = '';
    $(`${this.prefix}-state`).textContent = 'running';
    this.show();
  }

  token(id: string, data: string): void {
    const seq = Number(id);
    if (seq <= this.last) this.duplicated++;
    else {
      this.lost += seq - this.last - 1;
      this.last = seq;
      this.tokens++;
      $(`${this.prefix}-text`).append(data);
    }
    this.show();
  }

  end(data: string): void {
    $(`${this.prefix}-state`).textContent = (JSON.parse(data) as { state: string }).state;
  }

  show(): void {
    $(`${this.prefix}-tokens`).textContent = String(this.tokens);
    $(`${this.prefix}-lost`).textContent = String(this.lost);
    $(`${this.prefix}-dups`).textContent = String(this.duplicated);
  }
}

export function answerPanel(log: (text: string) => void): void {
  const asker = new View('a');
  const follower = new View('f');
  let answerId = '';
  let attempt: AbortController | undefined;
  let second: SseEventSource | undefined;
  let resumes = 0;

  const setId = (id: string) => {
    answerId = id;
    $('a-id').textContent = id || '–';
    const link = $<HTMLAnchorElement>('a-link');
    link.href = id ? `/?answer=${id}` : '/';
    link.hidden = !id;
  };

  /**
   * One per question (it remembers the answer's resume URL). Every attempt gets its own
   * controller, so "drop" can cut the current one like a network change.
   */
  const droppable = () =>
    resumeFetch((input, init) => {
      attempt = new AbortController();
      const signal = init.signal ? AbortSignal.any([init.signal, attempt.signal]) : attempt.signal;
      if ((init.method ?? 'GET') === 'GET') $('a-resumes').textContent = String(++resumes);
      return fetch(input, { ...init, signal }).then((response) => {
        const url = response.headers.get(RESUME_URL_HEADER);
        if (url) setId(url.slice(url.lastIndexOf('/') + 1));
        return response;
      });
    });

  async function ask(question: string): Promise<void> {
    asker.reset();
    resumes = 0;
    $('a-resumes').textContent = '0';
    for await (const event of events('/api/answers', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question }),
      fetch: droppable(),
      retryDelay: 300,
    })) {
      if (event.type === 'end') {
        asker.end(event.data);
        break;
      }
      asker.token(event.lastEventId, event.data);
    }
  }

  function follow(id: string): void {
    second?.close();
    follower.reset();
    $('f-id').textContent = id;
    // A second reader of the same answer, from its start: what another tab would see.
    const source = new SseEventSource(`/api/answers/${id}`);
    second = source;
    source.addEventListener('message', (e) => {
      const m = e as MessageEvent<string>;
      follower.token(m.lastEventId, m.data);
    });
    source.addEventListener('end', (e) => follower.end((e as MessageEvent<string>).data));
    source.addEventListener('error', () => {
      // CLOSED after the end: the server's 204. Unknown or expired: 404.
      if (source.readyState === 2 && $('f-state').textContent === 'running') {
        $('f-state').textContent = 'not found';
      }
    });
  }

  $('a-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const question = $<HTMLInputElement>('a-question').value || 'what is a resumable stream?';
    ask(question).catch((error: unknown) => log(`answer: ${String(error)}`));
  });
  $('a-drop').addEventListener('click', () => {
    attempt?.abort(new Error('dropped from the page'));
    log('answer: connection dropped; the client resumes from its Last-Event-ID');
  });
  $('a-follow').addEventListener('click', () => {
    if (answerId) follow(answerId);
  });
  $('a-stop').addEventListener('click', () => {
    const id = answerId || $('f-id').textContent || '';
    if (!id || id === '–') return;
    fetch(`/api/answers/${id}/stop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    }).then(
      (r) => r.json().then((body: { state: string | null }) => log(`answer: stop → ${body.state}`)),
      (error: unknown) => log(`answer: stop failed: ${String(error)}`),
    );
  });
  // Opened from another tab's link: follow that answer here.
  const shared = new URLSearchParams(location.search).get('answer');
  if (shared) follow(shared);
}
