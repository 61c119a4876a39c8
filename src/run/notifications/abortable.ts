/**
 * Waits `ms`, or less if `signal` aborts (then it resolves all the same). The timer does not keep
 * the process alive unless `keepAlive` is set.
 */
export function sleep(ms: number, signal: AbortSignal, keepAlive = false): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (!keepAlive) unref(timer);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Settles as `work` does, or rejects with the signal's reason as soon as it aborts, whichever comes
 * first, so that a fetch or a callback that ignores its signal cannot hold the hub. A rejection of
 * `work` after that is handled here and goes nowhere.
 */
export function raceAbort<T>(work: PromiseLike<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      Promise.resolve(work).catch(noop);
      return reject(signal.reason);
    }
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(work).then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** Lets the process exit while `timer` is pending. */
export function unref(timer: ReturnType<typeof setTimeout>): void {
  (timer as { unref?: () => void }).unref?.();
}

export function noop(): void {}
