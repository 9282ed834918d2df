/** One step of a shutdown, named for the log line that says it hung. */
export interface ShutdownStep {
  name: string;
  run: () => Promise<unknown> | unknown;
}

export interface ShutdownOptions {
  steps: ShutdownStep[];
  timeoutMs: number;
  log: (message: string) => void;
  error: (message: string) => void;
  exit: (code: number) => void;
  /** What keeps the process alive, for the line that says a shutdown hung. */
  activeResources?: () => string[];
}

const SIGNAL_EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 129,
  SIGINT: 130,
  SIGTERM: 143,
};

/** "TCPSocketWrap x3, Timeout" from Node's list of what keeps the event loop alive. */
export function describeResources(resources: string[]): string {
  const counts = new Map<string, number>();
  for (const resource of resources) counts.set(resource, (counts.get(resource) ?? 0) + 1);
  return [...counts].map(([name, n]) => (n > 1 ? `${name} x${n}` : name)).join(', ') || 'nothing';
}

/**
 * Returns a signal handler: the first signal runs the steps in order and exits 0 (1 when a step
 * fails); a second signal exits at once (128 + the signal's number, as a shell reports it); a
 * shutdown still running after `timeoutMs` is ended with exit 1 and a line naming the pending step
 * and what was still open.
 */
export function shutdownHandler(options: ShutdownOptions): (signal: NodeJS.Signals) => void {
  const activeResources = options.activeResources ?? (() => process.getActiveResourcesInfo());
  let pending: string | undefined;
  return (signal) => {
    if (pending !== undefined) {
      options.error(`${signal} again: exiting now (still pending: ${pending})`);
      options.exit(SIGNAL_EXIT_CODES[signal] ?? 1);
      return;
    }
    pending = 'starting';
    options.log(
      `${signal} received: shutting down (send it again to exit at once; giving up after ${options.timeoutMs} ms)`,
    );
    const deadline = setTimeout(() => {
      options.error(
        `Shutdown did not finish within ${options.timeoutMs} ms; still pending: ${pending}; active: ${describeResources(activeResources())}`,
      );
      options.exit(1);
    }, options.timeoutMs);
    void (async () => {
      try {
        for (const step of options.steps) {
          pending = step.name;
          await step.run();
        }
        clearTimeout(deadline);
        options.exit(0);
      } catch (error) {
        clearTimeout(deadline);
        options.error(`Shutdown failed while ${pending}: ${(error as Error).message}`);
        options.exit(1);
      }
    })();
  };
}
