import type { Core } from '../../core/context.js';
import type { DueWork } from './due-work.js';
import type { SimulatorLink } from './handles.js';
import type { SimulatorLife } from './lifecycle.js';

/** What every provider's simulator handle offers tests and the admin API. */
export interface SandboxSimulator<Keys, Faults, Delivery> {
  core: Core;
  keys: Keys;
  faults: Faults;
  /** Every notification delivery attempt made, in order. */
  deliveries: Delivery[];
  /** inject: connector and notifications in-process when URLs point at core.publicUrl; http: always sockets. */
  setTransport(transport: 'inject' | 'http'): void;
  /** The connector's timeout against this simulator (default merchant), ms. */
  setClientTimeout(ms: number): void;
  /** Settles what is due and delivers due notifications (business clock). */
  runDue(): Promise<void>;
}

/** The part of a simulator's handle that is wired alike in every provider. */
export function sandboxSimulatorBase<Keys, Faults, Delivery>(o: {
  core: Core;
  keys: Keys;
  faults: Faults;
  deliveries: Delivery[];
  link: SimulatorLink<Keys>;
  due: DueWork;
}): SandboxSimulator<Keys, Faults, Delivery> {
  return {
    core: o.core,
    keys: o.keys,
    faults: o.faults,
    deliveries: o.deliveries,
    setTransport: o.link.setTransport,
    setClientTimeout: o.link.setClientTimeout,
    runDue: o.due.run,
  };
}

/** One provider's simulators in this process, one per Core: how the admin API and tests find it. */
export interface SimulatorInstances<S> {
  of(core: Core): S | undefined;
  /** Registers `simulator` for `core`; the returned function removes it unless another replaced it since. */
  register(core: Core, simulator: S): () => void;
}

export function simulatorInstances<S>(): SimulatorInstances<S> {
  const byCore = new WeakMap<Core, S>();
  return {
    of: (core) => byCore.get(core),
    register(core, simulator) {
      byCore.set(core, simulator);
      return () => {
        if (byCore.get(core) === simulator) byCore.delete(core);
      };
    },
  };
}

/**
 * Puts a mounted simulator in service, alike for every provider: registered for its Core,
 * its handle announced to its connector, due work run every `tickMs`. When the server
 * closes, all of that is undone, then `drain` (work a provider started outside its due
 * work) and the passes of due work in flight are awaited.
 */
export function putInService<S>(o: {
  core: Core;
  simulator: S;
  instances: SimulatorInstances<S>;
  /** Announces the handle in the provider's registry; returns the withdrawal. */
  announce: () => () => void;
  life: SimulatorLife;
  tickMs: number;
  due: DueWork;
  drain?: () => Promise<void>;
}): void {
  const unregister = o.instances.register(o.core, o.simulator);
  const withdraw = o.announce();
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
