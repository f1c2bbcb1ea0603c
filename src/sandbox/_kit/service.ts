import type { SandboxContext } from './context.js';
import type { DueWork } from './due-work.js';
import type { SimulatorLink } from './handles.js';
import type { SimulatorLife } from './lifecycle.js';

/** What every provider's simulator handle offers tests and the admin API. */
export interface SandboxSimulator<Keys, Faults, Delivery> {
  ctx: SandboxContext;
  keys: Keys;
  faults: Faults;
  /** Every notification delivery attempt made, in order. */
  deliveries: Delivery[];
  /** The connector timeout advised with the default merchant (its settings.timeout_ms), ms. */
  setClientTimeout(ms: number): void;
  clientTimeoutMs(): number;
  /** Settles what is due and delivers due notifications (business clock). */
  runDue(): Promise<void>;
}

/** The part of a simulator's handle that is wired alike in every provider. */
export function sandboxSimulatorBase<Keys, Faults, Delivery>(o: {
  ctx: SandboxContext;
  keys: Keys;
  faults: Faults;
  deliveries: Delivery[];
  link: SimulatorLink<Keys>;
  due: DueWork;
}): SandboxSimulator<Keys, Faults, Delivery> {
  return {
    ctx: o.ctx,
    keys: o.keys,
    faults: o.faults,
    deliveries: o.deliveries,
    setClientTimeout: o.link.setClientTimeout,
    clientTimeoutMs: () => o.link.handle.timeoutMs,
    runDue: o.due.run,
  };
}

/** One provider's simulators in this process, one per SandboxContext: how the admin API and tests find it. */
export interface SimulatorInstances<S> {
  of(ctx: SandboxContext): S | undefined;
  /** Registers `simulator` for `ctx`; the returned function removes it unless another replaced it since. */
  register(ctx: SandboxContext, simulator: S): () => void;
}

export function simulatorInstances<S>(): SimulatorInstances<S> {
  const byCore = new WeakMap<SandboxContext, S>();
  return {
    of: (ctx) => byCore.get(ctx),
    register(ctx, simulator) {
      byCore.set(ctx, simulator);
      return () => {
        if (byCore.get(ctx) === simulator) byCore.delete(ctx);
      };
    },
  };
}

/**
 * Puts a mounted simulator in service, alike for every provider: registered for its SandboxContext,
 * its handle announced to its connector, due work run every `tickMs`. When the server
 * closes, all of that is undone, then `drain` (work a provider started outside its due
 * work) and the passes of due work in flight are awaited.
 */
export function putInService<S>(o: {
  ctx: SandboxContext;
  simulator: S;
  instances: SimulatorInstances<S>;
  /** Announces the handle in the provider's registry (providers not yet migrated); returns the withdrawal. */
  announce?: () => () => void;
  life: SimulatorLife;
  tickMs: number;
  due: DueWork;
  drain?: () => Promise<void>;
}): void {
  const unregister = o.instances.register(o.ctx, o.simulator);
  const withdraw = o.announce?.() ?? (() => undefined);
  o.life.start({
    tickMs: o.tickMs,
    tick: o.due.run,
    cleanup: async () => {
      withdraw();
      unregister();
      if (o.drain) await o.drain();
      await o.due.settled();
    },
  });
}
