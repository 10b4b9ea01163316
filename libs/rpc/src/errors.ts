/** The request could not be handed to a worker: no backend, the queue is unreachable, or the node is at capacity. */
export class RpcUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RpcUnavailableError';
  }
}
