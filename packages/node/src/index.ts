export {
  createNodeSSE,
  NODE_CODINGS,
  type NodeOpenInit,
  type NodeRequest,
  type NodeSSE,
} from './handler';
export { type NodeResponse, ResponseSink } from './sink';
