/**
 * What /readyz answers: ready once the edge has what it needs to serve (with a control plane: its
 * first lease, so it has caught up with purges), and not ready from the moment it starts shutting
 * down, so a load balancer drains it first. Losing the control plane later does not make an edge
 * unready: it still serves (revalidating), and marking every edge of a region unready at once
 * would take the region down.
 */
export class Readiness {
  private started = false;
  private draining = false;

  /** `serving`: whether the edge could serve right now (checked until it first says yes). */
  constructor(private readonly serving: () => boolean) {}

  ready(): boolean {
    if (this.draining) return false;
    if (!this.started) this.started = this.serving();
    return this.started;
  }

  stopping(): void {
    this.draining = true;
  }
}
