/**
 * Lets one piece of work run alone in this process: `solo` waits until nothing that `enter`ed is still running,
 * and holds every new `enter` back until it is done. The run worker tries crash suspects this way, so that a
 * suspect that takes the process down is the only item whose worker died: no other item is charged for it (nor
 * claimed meanwhile: workers wait for `quiet` before they claim, since a claimed item is charged if the process dies).
 */
export class SoloGate {
  #running = 0;
  #solo = false;
  /** Solos asked for and not yet done. */
  #solos = 0;
  #waiters: Array<() => void> = [];

  /** Waits while a solo runs, then counts the caller as running until `leave`. */
  async enter(): Promise<void> {
    while (this.#solo) await this.#changed();
    this.#running += 1;
  }

  leave(): void {
    this.#running -= 1;
    this.#notify();
  }

  /** Resolves once no solo is asked for or running. */
  async quiet(): Promise<void> {
    while (this.#solos > 0) await this.#changed();
  }

  /** Runs `work` once nothing else runs, holding everything else back meanwhile. */
  async solo<T>(work: () => Promise<T>): Promise<T> {
    this.#solos += 1;
    try {
      while (this.#solo) await this.#changed();
      this.#solo = true;
      try {
        while (this.#running > 0) await this.#changed();
        return await work();
      } finally {
        this.#solo = false;
      }
    } finally {
      this.#solos -= 1;
      this.#notify();
    }
  }

  #changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #notify(): void {
    for (const resolve of this.#waiters.splice(0)) resolve();
  }
}
