// `npm start` runs this (built to dist/main.js): the demo on http://127.0.0.1:3000 by
// default. PORT and HOST override the address; REDIS_URL switches the hub to @sse/redis.
import { startDemo } from './server';

const demo = await startDemo({
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? '127.0.0.1',
  redisUrl: process.env.REDIS_URL || undefined,
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
