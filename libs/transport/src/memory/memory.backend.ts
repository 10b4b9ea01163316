import { z } from 'zod';
import { defineBackend } from '../backend.js';

/** The embedded bus: one node, no server, no variables of its own. */
export const memoryBackend = defineBackend({
  name: 'memory',
  env: z.object({}),
  options: () => ({}),
  describe: () => 'in-process, one node',
  async create() {
    const { MemoryTransport } = await import('./memory.transport.js');
    const { MemoryHistory } = await import('./memory.history.js');
    const { ControlPresence } = await import('../base/control-presence.js');
    const bus = new MemoryTransport();
    return { bus, history: new MemoryHistory(bus), presence: new ControlPresence(bus) };
  },
});
