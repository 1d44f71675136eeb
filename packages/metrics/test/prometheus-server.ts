import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../server/test/net';

/** The prometheus binary: SSE_PROMETHEUS, or the Debian path. */
export const PROMETHEUS = process.env.SSE_PROMETHEUS ?? '/usr/bin/prometheus';
/** Why the Prometheus suite is skipped, or '' when it can run. */
export const SKIP_REASON = existsSync(PROMETHEUS)
  ? ''
  : `prometheus not found at ${PROMETHEUS} (apt-get install -y prometheus, or set SSE_PROMETHEUS)`;

/**
 * A real Prometheus on a loopback port, owned by the test: scrapes one target every
 * second into its own temporary storage directory, which `stop()` removes.
 */
export class PrometheusServer {
  private child: ChildProcess | undefined;
  private output = '';
  private readonly dir = mkdtempSync(join(tmpdir(), 'sse-prometheus-'));
  private constructor(readonly port: number) {}

  /** Starts scraping `127.0.0.1:targetPort/metrics`; resolves once Prometheus is ready. */
  static async start(targetPort: number): Promise<PrometheusServer> {
    const server = new PrometheusServer(await freePort());
    const config = join(server.dir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: sse',
        '    scrape_interval: 1s',
        '    scrape_timeout: 1s',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${targetPort}']`,
        '',
      ].join('\n'),
    );
    const child = spawn(
      PROMETHEUS,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(server.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${server.port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server.child = child;
    child.stdout?.on('data', (chunk: Buffer) => {
      server.output += chunk;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      server.output += chunk;
    });
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    await waitFor(
      async () => {
        if (exited) throw new Error(`prometheus exited: ${server.output}`);
        try {
          return (await fetch(`${server.url}/-/ready`)).ok;
        } catch {
          return false;
        }
      },
      () => `prometheus ready: ${server.output}`,
    );
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** One instant query through the HTTP API: every series with its labels and value. */
  async query(promql: string): Promise<{ metric: Record<string, string>; value: number }[]> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== 'success') throw new Error(`query ${promql} failed: ${body.error}`);
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /**
   * Polls `promql` until `accept` holds for its result (scrapes come every second),
   * and returns that result; throws with the last result after a minute.
   */
  async queryUntil(
    promql: string,
    accept: (result: { metric: Record<string, string>; value: number }[]) => boolean,
  ): Promise<{ metric: Record<string, string>; value: number }[]> {
    let last: unknown;
    let found: { metric: Record<string, string>; value: number }[] = [];
    await waitFor(
      async () => {
        found = await this.query(promql);
        last = found;
        return accept(found);
      },
      `${promql} -> ${JSON.stringify(last)}`,
    );
    return found;
  }

  /** Stops Prometheus (SIGKILL after 10 s of SIGTERM) and removes its storage. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Resolves when `check` resolves true, checking every 100 ms; rejects after a minute. */
async function waitFor(check: () => Promise<boolean>, what: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
