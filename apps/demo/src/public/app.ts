// The demo page: one SSE connection carries the `metrics` topic and every chosen room
// (`room:<name>`), through either @sse/client or the browser's own EventSource, to
// either server adapter. Everything shown comes from the server; nothing is simulated.
// The server's types are imported as types only: esbuild erases them, so no server code
// reaches the page bundle.
import { EventSource as SseEventSource } from '@sse/client';
import type { Info } from '../app';
import type { MetricsSample } from '../metrics';
import type { ChatMessage } from '../rooms';
import type { Hello, Recent } from '../stream';
import { answerPanel } from './answer';
import { LineChart, type Series } from './chart';
import { ChatProof } from './proof';
import { Timeline } from './timeline';

/** The surface both implementations share, which is all the page uses. */
interface Source {
  readonly readyState: number;
  close(): void;
  addEventListener(type: string, listener: (event: Event) => void): void;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const client = `c${Math.random().toString(36).slice(2, 10)}`;
const stateNames = ['CONNECTING', 'OPEN', 'CLOSED'] as const;

let info: Info;
let source: Source | undefined;
let countdown: ReturnType<typeof setInterval> | undefined;
let everOpened = false;
/** Server time of the current connection's hello (0 before the first). */
let helloAt = 0;
let caughtUp = 0;
let reconnects = 0;
/** The no-gap, no-duplicate check on the per-room sequence numbers (`proof.ts`). */
const proof = new ChatProof();
const shown = new Set<string>();

let chart: LineChart;
const series: Series[] = [
  { label: 'events/s delivered', values: [], color: '#2563eb', axis: 'left' },
  { label: 'connections', values: [], color: '#d97706', axis: 'right', integer: true },
];
const timeline = new Timeline($('timeline-track'), $<HTMLOListElement>('gaps'));

/** The "try this" steps; each is ticked when the page has seen it happen. */
type Step = 'chat' | 'resume' | 'switch' | 'reset';
function done(step: Step): void {
  const item = document.querySelector<HTMLElement>(`#try [data-step="${step}"]`);
  if (item) item.dataset.done = 'true';
}

function log(text: string): void {
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  const list = $('log');
  list.prepend(li);
  while (list.children.length > 50) list.lastElementChild?.remove();
}

function setText(id: string, value: string | number): void {
  $(id).textContent = String(value);
}

function showState(): void {
  const state = source ? stateNames[source.readyState] : 'CLOSED';
  const el = $('state');
  el.textContent = state ?? 'CLOSED';
  el.dataset.state = state;
}

function stopCountdown(): void {
  clearInterval(countdown);
  countdown = undefined;
  setText('retry', '–');
}

/** Shows the time left until the next attempt; `approximate` when the browser owns the timer. */
function startCountdown(delay: number, approximate: boolean): void {
  stopCountdown();
  const due = performance.now() + delay;
  const tick = () => {
    const left = Math.max(0, due - performance.now());
    setText('retry', `${approximate ? '≈' : ''}${(left / 1000).toFixed(1)} s`);
    if (left === 0) clearInterval(countdown);
  };
  tick();
  countdown = setInterval(tick, 100);
}

function selected(name: string): string {
  return ($<HTMLFormElement>('connection').elements.namedItem(name) as RadioNodeList).value;
}

function chosenRooms(): string[] {
  return [...document.querySelectorAll<HTMLInputElement>('#room-picker input:checked')].map(
    (input) => input.value,
  );
}

const keyOf = (chat: ChatMessage) => `${chat.room}/${chat.seq}`;

/** Shows a message once; `kind` marks messages from a snapshot (on connect or after a reset). */
function renderMessage(chat: ChatMessage, kind?: 'recent' | 'snapshot'): void {
  const key = keyOf(chat);
  if (shown.has(key)) return;
  shown.add(key);
  const li = document.createElement('li');
  li.dataset.key = key;
  if (kind) li.className = kind;
  const parts: [string, string][] = [
    ['room', `#${chat.room}`],
    ['user', chat.user],
    ['text', chat.text],
    ['seq', `#${chat.seq}`],
  ];
  for (const [cls, text] of parts) {
    const span = document.createElement('span');
    span.className = cls;
    span.textContent = text;
    li.append(span);
  }
  const list = $('messages');
  list.append(li);
  // The last 200 stay on the page (and in `shown`); the proof does not need them.
  while (list.children.length > 200) {
    const first = list.firstElementChild as HTMLElement | null;
    if (first?.dataset.key) shown.delete(first.dataset.key);
    first?.remove();
  }
  list.scrollTop = list.scrollHeight;
}

function onChat(event: MessageEvent<string>): void {
  const chat = JSON.parse(event.data) as ChatMessage;
  // A repeat of the snapshot (published after the stream's cursor) is expected, and shown already.
  if (proof.live(chat) === 'new') {
    if (chat.at < helloAt) {
      setText('p-caught-up', ++caughtUp);
      timeline.caughtUp(caughtUp);
      if (reconnects > 0) done('resume');
    }
    renderMessage(chat);
  }
  showProof();
}

function showProof(): void {
  setText('p-received', proof.counts.received);
  setText('p-gaps', proof.counts.gaps);
  setText('p-dups', proof.counts.duplicates);
  setText('p-reconnects', reconnects);
}

function onMetrics(event: MessageEvent<string>): void {
  const m = JSON.parse(event.data) as MetricsSample;
  setText('m-connections', m.connections.total);
  setText('m-connections-by', `hono ${m.connections.hono} · node ${m.connections.node}`);
  setText('m-rate', m.eventsPerSecond.toFixed(0));
  setText('m-memory', `${(m.rssBytes / 2 ** 20).toFixed(1)} MiB`);
  setText('m-uptime', formatUptime(m.uptimeSeconds));
  chart.push(series, [m.eventsPerSecond, m.connections.total]);
}

/**
 * A new stream's first event after hello: the rooms' last messages, so the page does
 * not open empty. They set the per-room baseline of the gap and duplicate checks.
 */
function onRecent(event: MessageEvent<string>): void {
  const recent = JSON.parse(event.data) as Recent;
  const all = Object.values(recent.rooms).flat();
  all.sort((x, y) => x.at - y.at || x.room.localeCompare(y.room));
  proof.snapshot(all);
  for (const chat of all) renderMessage(chat, 'recent');
  log(
    `recent: ${all.length} earlier message${all.length === 1 ? '' : 's'} of ${Object.keys(recent.rooms).join(', ')}`,
  );
}

function formatUptime(seconds: number): string {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h ? `${h}h ` : ''}${m}m ${String(s % 60).padStart(2, '0')}s`;
}

/** The hub says our cursor is older than its history: reload state instead of missing events. */
async function onReset(event: MessageEvent<string>): Promise<void> {
  const notice = $('reset-notice');
  notice.hidden = false;
  notice.textContent =
    `"${info.resetEvent}" received at ${new Date().toLocaleTimeString()}: the last event id ` +
    `was older than the hub's history (${info.history.maxEvents} events), so missed events ` +
    `cannot be replayed. Reloading the rooms' recent messages instead.`;
  log(`${info.resetEvent} ${event.data}`);
  timeline.reset();
  done('reset');
  proof.reset();
  for (const room of chosenRooms()) {
    const response = await fetch(`/api/rooms/${room}/messages`);
    const recent = (await response.json()) as ChatMessage[];
    for (const chat of recent) renderMessage(chat, 'snapshot');
  }
}

function connect(): void {
  source?.close();
  stopCountdown();
  const impl = selected('impl');
  const lastEventId = $('last-id').dataset.id ?? '';
  let url = `${selected('route')}?rooms=${chosenRooms().join(',')}&client=${client}`;
  // A new native source cannot send Last-Event-ID; the server reads this query parameter
  // on its first connect instead (later reconnects send the header, which wins).
  if (impl === 'native' && lastEventId) url += `&lastEventId=${encodeURIComponent(lastEventId)}`;
  let es: Source;
  if (impl === 'native') {
    // The browser owns this timer and does not expose it: the countdown is an estimate
    // from the server's `retry:` hint, and a fresh native source cannot resume by itself.
    es = new globalThis.EventSource(url);
  } else {
    es = new SseEventSource(url, {
      lastEventId,
      retryDelay: info.retryMs,
      onRetry: (retry) => {
        log(`retry #${retry.attempt} in ${retry.delay} ms (${retry.reason.code})`);
        startCountdown(retry.delay, false);
      },
    });
  }
  source = es;
  log(`connecting with ${impl === 'native' ? 'native EventSource' : '@sse/client'} to ${url}`);
  es.addEventListener('open', () => {
    if (source !== es) return;
    if (everOpened) reconnects++;
    everOpened = true;
    // A notice about an earlier reset is history now (the timeline keeps it).
    $('reset-notice').hidden = true;
    timeline.opened();
    stopCountdown();
    showState();
    showProof();
    log('open');
  });
  es.addEventListener('error', () => {
    if (source !== es) return;
    showState();
    timeline.lost();
    if (es.readyState === 0 && impl === 'native') startCountdown(info.retryMs, true);
    if (es.readyState === 2) log('closed for good');
    else log('connection lost, reconnecting');
  });
  es.addEventListener('hello', (event) => {
    const hello = JSON.parse((event as MessageEvent<string>).data) as Hello;
    helloAt = hello.at;
    caughtUp = 0;
    setText('p-caught-up', 0);
    setText('served-by', hello.servedBy);
    setText('p-resumed', hello.resumedFrom || '(none)');
    timeline.resumed(hello.resumedFrom);
    log(
      `hello: served by ${hello.servedBy}, rooms ${hello.rooms.join(',')}, resumed from ${hello.resumedFrom || '(none)'}`,
    );
  });
  const track = (handler: (event: MessageEvent<string>) => void) => (event: Event) => {
    const message = event as MessageEvent<string>;
    if (message.lastEventId) {
      const el = $('last-id');
      el.dataset.id = message.lastEventId;
      el.textContent = message.lastEventId;
    }
    handler(message);
  };
  es.addEventListener('metrics', track(onMetrics));
  es.addEventListener('chat', track(onChat));
  es.addEventListener('recent', (event) => onRecent(event as MessageEvent<string>));
  es.addEventListener(
    info.resetEvent,
    track((event) => void onReset(event)),
  );
  showState();
}

async function post(path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  const result = await response.json();
  if (!response.ok) throw new Error((result as { error?: string }).error ?? response.statusText);
  return result;
}

function button(id: string, action: () => Promise<unknown>): void {
  $(id).addEventListener('click', () => {
    action().then(
      (result) => log(`${id}: ${JSON.stringify(result)}`),
      (error: unknown) => log(`${id} failed: ${String(error)}`),
    );
  });
}

async function main(): Promise<void> {
  info = (await (await fetch('/api/info')).json()) as Info;
  const { chat, control, maxBodyBytes } = info.limits;
  const rate = (r: typeof chat) => `${r.burst} at once, then ${r.perSecond}/s`;
  $('info').textContent =
    `client id ${client} · hub backend: ${info.backend} · history: ${info.history.maxEvents} events · server retry hint: ${info.retryMs} ms` +
    ` · limits per address: messages ${rate(chat)}, drops ${rate(control)}, bodies ${maxBodyBytes / 1024} KiB`;
  setText('metrics-period', `one sample every ${info.metricsIntervalMs} ms`);
  chart = new LineChart($<HTMLCanvasElement>('chart'), info.metricsIntervalMs);
  const picker = $('room-picker');
  picker.innerHTML = '<legend>subscribed rooms</legend>';
  for (const room of info.rooms) {
    const label = document.createElement('label');
    label.innerHTML = `<input type="checkbox" value="${room}" checked /> #${room}`;
    picker.append(label);
    const option = document.createElement('option');
    option.value = option.textContent = room;
    $('post-room').append(option);
  }
  picker.addEventListener('change', connect);
  $('connection').addEventListener('change', () => {
    done('switch');
    connect();
  });
  $('post').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $<HTMLInputElement>('post-text');
    const room = $<HTMLSelectElement>('post-room').value;
    const user = $<HTMLInputElement>('post-user').value || client;
    post(`/api/rooms/${room}/messages`, { user, text: text.value }).then(
      () => {
        text.value = '';
        done('chat');
      },
      (error: unknown) => log(`send failed: ${String(error)}`),
    );
  });
  const room = () => $<HTMLSelectElement>('post-room').value;
  button('drop-me', () => post(`/api/clients/${client}/drop`));
  button('drop-away', () =>
    post(`/api/clients/${client}/drop`, { room: room(), away: info.awayBurst }),
  );
  button('drop-all', () => post('/api/connections/drop'));
  button('outage', () =>
    post(`/api/clients/${client}/drop`, { room: room(), away: info.outageBurst }),
  );
  connect();
  answerPanel(log);
}

main().catch((error: unknown) => log(`failed to start: ${String(error)}`));
