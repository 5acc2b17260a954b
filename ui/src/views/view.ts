// What every view is: a root element and an update from the state (called at most once a frame).

import type { State } from "../state";

export interface View {
  el: HTMLElement;
  update(state: State): void;
  destroy?(): void;
}
