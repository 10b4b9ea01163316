/**
 * Everything the bench starts registers how to stop it here, so a failure or Ctrl-C
 * stops servers, buses and load generators alike (last started, first stopped).
 * Servers started through test/infra also die with this process through its exit hook
 * and watchdogs; this is the orderly path.
 */
type Stopper = () => Promise<void> | void;

const stoppers = new Set<{ name: string; stop: Stopper }>();

export function onCleanup(name: string, stop: Stopper): () => void {
  const entry = { name, stop };
  stoppers.add(entry);
  return () => stoppers.delete(entry);
}

export async function cleanupAll(): Promise<void> {
  const entries = [...stoppers].reverse();
  stoppers.clear();
  for (const entry of entries) {
    try {
      await Promise.race([entry.stop(), new Promise((resolve) => setTimeout(resolve, 15_000).unref())]);
    } catch (error) {
      console.error(`bench: stopping ${entry.name} failed: ${(error as Error).message}`);
    }
  }
}

let installed = false;

/** On SIGINT/SIGTERM: stop everything, then exit 130/143. */
export function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}: stopping everything it started…`);
      void cleanupAll().finally(() => process.exit(code));
    });
  }
}
