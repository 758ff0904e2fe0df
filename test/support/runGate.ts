/**
 * The test's side of the gated fixture plugin (test/fixtures/plugins/runs/gated-items.js). The plugin runs in a
 * plugin thread, so nothing is shared through `globalThis`: its items say `started` on a BroadcastChannel and wait
 * for `open`, which the gate sends when opened, and again to every item that starts after that.
 */
export const RUN_GATE_CHANNEL = 'invocables-test-run-gate';

export class RunGate {
  /** Items that have started waiting at the gate. */
  started = 0;
  #opened = false;
  readonly #channel = new BroadcastChannel(RUN_GATE_CHANNEL);

  constructor() {
    this.#channel.onmessage = (event: MessageEvent) => {
      if (event.data !== 'started') return;
      this.started += 1;
      if (this.#opened) this.#channel.postMessage('open');
    };
  }

  open(): void {
    this.#opened = true;
    this.#channel.postMessage('open');
  }

  /** Opens the gate (items still waiting finish) and stops listening. */
  close(): void {
    this.open();
    this.#channel.close();
  }
}
