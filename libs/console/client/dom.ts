/** Tiny DOM builder: text always goes in as text nodes, so nothing the API answers is parsed as HTML. */
export type Child = Node | string | number | null | undefined | false | Child[];
type Handler = (event: Event) => void;
export type Props = Record<string, string | number | boolean | null | undefined | Handler>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (name === 'value' || name === 'checked') (element as unknown as Record<string, unknown>)[name] = value;
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

/** Replaces an element's children with these (which may be nested, or left out as null/false). */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else if (child !== null && child !== undefined && child !== false) parent.appendChild(document.createTextNode(String(child)));
  }
}

let fields = 0;

/**
 * A labelled form control. The label points at it (`for`) rather than wrapping it, so its
 * accessible name is the label alone, not the label plus a select's current option.
 */
export function field(label: string, control: HTMLElement, className = 'field'): HTMLElement {
  if (!control.id) control.id = `field-${++fields}`;
  return h('div', { class: className }, h('label', { for: control.id }, label), control);
}

/** Says something to screen readers (and shows it briefly). */
export function announce(message: string): void {
  const status = document.getElementById('status');
  if (!status) return;
  status.textContent = message;
  window.setTimeout(() => {
    if (status.textContent === message) status.textContent = '';
  }, 4000);
}

/** A problem shown where it happened, read out at once. */
export function alertBox(message: string): HTMLElement {
  return h('p', { class: 'error', role: 'alert' }, message);
}

export function badge(text: string): HTMLElement {
  return h('span', { class: `badge ${text}` }, text);
}

export const when = (iso: string | undefined): string => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC' : '');

/**
 * A select's value as the query parameter the document types (its options are that parameter's
 * values, or '' for "all", which is left out).
 */
export const selected = <T extends string>(select: HTMLSelectElement): T | undefined => (select.value || undefined) as T | undefined;
