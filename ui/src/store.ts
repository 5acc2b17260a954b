// The store: holds the state, applies actions through the pure reducer, and asks for a render
// at most once per animation frame however many actions arrive (progress events are coalesced).

import { reduce, type Action, type State } from "./state";

export type Scheduler = (run: () => void) => void;

export const animationFrame: Scheduler = (run) => {
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => run());
  else setTimeout(run, 16);
};

export class Store {
  private state: State;
  private pending = false;
  private readonly listeners: ((s: State) => void)[] = [];

  constructor(initial: State, private readonly schedule: Scheduler = animationFrame) {
    this.state = initial;
  }

  get(): State {
    return this.state;
  }

  dispatch(action: Action): void {
    const next = reduce(this.state, action);
    if (next === this.state) return;
    this.state = next;
    if (!this.pending) {
      this.pending = true;
      this.schedule(() => this.flush());
    }
  }

  /** Renders now if a render is pending (the scheduler's callback, and tests, call this). */
  flush(): void {
    if (!this.pending) return;
    this.pending = false;
    for (const l of this.listeners) l(this.state);
  }

  /** Renders now, pending or not. */
  renderNow(): void {
    this.pending = false;
    for (const l of this.listeners) l(this.state);
  }

  subscribe(listener: (s: State) => void): void {
    this.listeners.push(listener);
  }
}
