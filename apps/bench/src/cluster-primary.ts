// The primary of a clustered benchmark server (`child.js` with `{"workers": N}`): forks
// N workers that each run the same child (one listening socket shared through
// node:cluster, connections handed out round-robin), and answers the parent's
// commands for all of them at once, so the parent drives a cluster like one server.
// A broadcast is published by one worker: the workers share their hub through a
// backend (@sse/redis), the way such a deployment really runs.
import cluster, { type Worker } from 'node:cluster';
import type { Command } from './child';

type Reply = { type: string } & Record<string, unknown>;

const send = (m: unknown) => process.send?.(m);

/** Sends `command` to one worker and waits for its reply of kind `replyType`. */
function ask(worker: Worker, command: Command, replyType: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Reply) => {
      if (m.type !== replyType) return;
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number) => {
      worker.off('message', onMessage);
      reject(new Error(`worker ${worker.id} exited with ${code} before answering ${command.cmd}`));
    };
    worker.on('message', onMessage);
    worker.once('exit', onExit);
    worker.send(command);
  });
}

/** Adds up the numeric fields of the workers' replies; `workers` keeps each reply. */
function total(replies: Reply[], type: string): Reply {
  const sum: Reply = { type, workers: replies.map(({ type: _, ...rest }) => rest) };
  for (const r of replies)
    for (const [k, v] of Object.entries(r))
      if (typeof v === 'number') sum[k] = ((sum[k] as number | undefined) ?? 0) + v;
  return sum;
}

/**
 * Runs the cluster primary: forks `workers` workers, tells the parent the shared port
 * once every worker listens (or the first failure), then relays commands. Memory, CPU,
 * sessions and descriptors are the workers' sums (the primary only passes accepted
 * sockets on and holds none of them); `send` goes to the first worker only.
 */
export async function runPrimary(workers: number): Promise<void> {
  process.on('disconnect', () => process.exit(0));
  const all = Array.from({ length: workers }, () => cluster.fork());
  let stopping = false;
  for (const w of all)
    w.on('exit', (code) => {
      if (stopping) return;
      // One worker gone means the cluster no longer measures what it says: stop.
      send({ type: 'error', error: `worker ${w.id} exited with ${code}` });
      process.exit(1);
    });
  const first = await Promise.all(
    all.map(
      (w) =>
        new Promise<Reply>((resolve) => {
          w.once('message', (m: Reply) => resolve(m));
        }),
    ),
  );
  const failed = first.find((m) => m.type !== 'ready');
  if (failed) {
    stopping = true;
    for (const w of all) w.kill();
    send(failed);
    return;
  }
  send({ type: 'ready', port: first[0]!.port, workers });
  const each = (command: Command, replyType: string, reply = replyType) =>
    Promise.all(all.map((w) => ask(w, command, replyType))).then((r) => send(total(r, reply)));
  process.on('message', async (m: Command) => {
    try {
      switch (m.cmd) {
        case 'mem':
          return await each(m, 'mem');
        case 'count':
          return await each(m, 'count');
        case 'fds':
          return await each(m, 'fds');
        case 'cpuStart':
          return await each(m, 'cpuStart');
        case 'cpuEnd':
          return await each(m, 'cpu');
        case 'send':
          return send(await ask(all[0]!, m, 'sent'));
        case 'exit':
          stopping = true;
          for (const w of all) w.kill();
          process.exit(0);
      }
    } catch (e) {
      send({ type: 'error', error: String(e) });
    }
  });
}
