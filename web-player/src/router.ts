/**
 * Navigation for the pages: clean-up hooks of the current page and moving to
 * another route. main.ts owns the route table and listens to hashchange; the
 * pages import this module, never main.ts (no import cycle).
 */

let leaving: (() => void)[] = [];

/** Registers clean-up for the current page (timers, sockets, players), run when the route changes. */
export function onLeave(fn: () => void): void {
  leaving.push(fn);
}

/** Runs (and forgets) the current page's clean-up hooks. */
export function leave(): void {
  const fns = leaving;
  leaving = [];
  for (const fn of fns) {
    try {
      fn();
    } catch {
      /* a page's clean-up must not break navigation */
    }
  }
}

/** Goes to a route; the same route again renders it again. */
export function navigate(hash: string): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}
