// `npm start` runs this (built to dist/main.js): the demo on http://127.0.0.1:3000 by
// default. PORT and HOST override the address; REDIS_URL switches the hub to @sse/redis.
import { startDemo } from './server';
import { parsePort, startFailure } from './start-failure';

const host = process.env.HOST ?? '127.0.0.1';
const demo = await Promise.resolve()
  .then(() =>
    startDemo({
      port: parsePort(process.env.PORT),
      host,
      redisUrl: process.env.REDIS_URL || undefined,
    }),
  )
  .catch((error: unknown) => {
    // One line that says what to do, not a stack; a non-zero exit for scripts.
    console.error(startFailure(error, host, process.env.PORT ?? 3000));
    process.exit(1);
  });
console.log(`@sse demo (hub backend: ${demo.backend}) listening on ${demo.url}`);

const stop = () => {
  demo.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
