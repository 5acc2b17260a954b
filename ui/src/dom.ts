// A tiny DOM helper: `h()` builds elements (text always via text nodes, never innerHTML), and
// `syncKeyed()` keeps a list's row elements in place across renders, so focus, inline edits and
// playing audio survive updates.

export type Child = Node | string | number | null | undefined | false;
type Handler = (ev: never) => void;
export type Props = Record<string, unknown>;

/**
 * `h("button", { id: "x", class: "a b", "data-testid": "t", onclick: fn, disabled: true }, "Text")`.
 * `on*` keys add listeners; `class`, `data-*`, `aria-*`, `role`, `for` and other strings become
 * attributes; booleans and other values are set as properties (`disabled`, `hidden`, `value`).
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) setProps(el, props);
  append(el, children);
  return el;
}

export function setProps(el: HTMLElement, props: Props): void {
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value as Handler as EventListener);
    } else if (key === "class") {
      el.className = String(value);
    } else if (typeof value === "boolean") {
      if (key.startsWith("aria-") || key.startsWith("data-")) el.setAttribute(key, String(value));
      else (el as unknown as Record<string, unknown>)[key] = value;
    } else if (key === "value" || key === "checked") {
      (el as unknown as Record<string, unknown>)[key] = value;
    } else {
      el.setAttribute(key, String(value));
    }
  }
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces all children. */
export function replaceChildren(el: Element, ...children: Child[]): void {
  while (el.firstChild) el.removeChild(el.firstChild);
  append(el, children);
}

/** Sets text only when it changed (cheap to call every frame). */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function setHidden(el: HTMLElement, hidden: boolean): void {
  if (el.hidden !== hidden) el.hidden = hidden;
}

export interface Row<T> {
  el: HTMLElement;
  update(item: T): void;
}

/**
 * Makes `container`'s children the rows of `items`, in order, reusing the row of each key.
 * `create` builds a row; its `update` is called on every sync (rows skip work themselves when
 * nothing they show changed).
 */
export function syncKeyed<T>(
  container: HTMLElement,
  rows: Map<string | number, Row<T>>,
  items: readonly T[],
  key: (item: T) => string | number,
  create: (item: T) => Row<T>,
): void {
  const seen = new Set<string | number>();
  let cursor: ChildNode | null = container.firstChild;
  for (const item of items) {
    const k = key(item);
    seen.add(k);
    let row = rows.get(k);
    if (!row) {
      row = create(item);
      rows.set(k, row);
    }
    row.update(item);
    if (row.el !== cursor) container.insertBefore(row.el, cursor);
    else cursor = cursor.nextSibling;
  }
  for (const [k, row] of rows) {
    if (!seen.has(k)) {
      row.el.remove();
      rows.delete(k);
    }
  }
}
