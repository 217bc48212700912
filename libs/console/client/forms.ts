import { alertBox } from './dom.js';

/** What a failed call shows: its message (a refusal's is the API's own words: its problem's detail or fields). */
export function errorBox(error: unknown): HTMLElement {
  return alertBox(error instanceof Error ? error.message : String(error));
}

/**
 * A form's submit handler, the one shape every console form has: the page does not reload,
 * `result` is emptied, then `action` runs; what it throws is shown in `result` as an alert.
 */
export function onSubmit(result: HTMLElement, action: () => Promise<void>): (event: Event) => Promise<void> {
  return async (event: Event) => {
    event.preventDefault();
    result.replaceChildren();
    try {
      await action();
    } catch (error) {
      result.replaceChildren(errorBox(error));
    }
  };
}
