/**
 * Runs `tick` every `ms` while `root` is on the page: the router swaps pages by replacing them, so a
 * page that is gone stops asking. Ticks never overlap (the next waits for the last), a hidden tab
 * skips them, and a failed tick is retried at the next one rather than stopping the page.
 */
export function poll(root: HTMLElement, ms: number, tick: () => Promise<void>): void {
  let attached = false;
  const next = () =>
    window.setTimeout(async () => {
      if (root.isConnected) attached = true;
      else if (attached) return;
      if (attached && !document.hidden) {
        try {
          await tick();
        } catch {
          // A blip (a restart, a dropped connection): the next tick asks again.
        }
      }
      next();
    }, ms);
  next();
}
