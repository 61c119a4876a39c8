/**
 * Polls `check` every `everyMs` until it holds; throws naming `what` after `ms`. For tests that wait
 * on another process (Redis, a worker) where no event says when it is done.
 */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms: number, everyMs = 10): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
