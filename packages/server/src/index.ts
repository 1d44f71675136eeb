export type { SendResult, Session, SlowClientPolicy } from './types';
