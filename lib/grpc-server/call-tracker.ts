/** Counts calls being handled, so that shutdown can report how many it drains or cuts. */
export class CallTracker {
  private active = 0;

  get count(): number {
    return this.active;
  }

  /** Marks a call as started; call the returned function once it has finished. */
  begin(): () => void {
    this.active++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.active--;
    };
  }
}
