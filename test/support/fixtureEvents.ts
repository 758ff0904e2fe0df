/**
 * The test's side of what fixture plugins report. Plugins run in plugin threads, so nothing is shared through
 * `globalThis`: they post `{ fixture, event, value? }` on one BroadcastChannel, and may wait for a message back
 * (`send`), e.g. a gate opening.
 */
export const FIXTURE_EVENTS_CHANNEL = 'invocables-test-fixture-events';

export interface FixtureEvent {
  fixture: string;
  event: string;
  value?: string;
}

export class FixtureEvents {
  readonly #events: FixtureEvent[] = [];
  readonly #channel = new BroadcastChannel(FIXTURE_EVENTS_CHANNEL);

  constructor() {
    this.#channel.onmessage = (message: MessageEvent) => {
      const data = message.data as FixtureEvent & { to?: string };
      if (data.to === undefined) this.#events.push(data);
    };
  }

  /** How many times `fixture` reported `event`. */
  count(fixture: string, event: string): number {
    return this.values(fixture, event).length;
  }

  /** The values `fixture` reported with `event`, in order. */
  values(fixture: string, event: string): string[] {
    return this.#events.filter((e) => e.fixture === fixture && e.event === event).map((e) => e.value ?? '');
  }

  /** Tells `fixture` something (e.g. `open`). */
  send(fixture: string, event: string): void {
    this.#channel.postMessage({ to: fixture, event });
  }

  close(): void {
    this.#channel.close();
  }
}
