// ioredis's own declarations (5.x and 6.x) import `redis-errors`, which ships no types; with
// `skipLibCheck: false` every ioredis user needs this line. Documented in the @sse/redis README.
declare module 'redis-errors';
