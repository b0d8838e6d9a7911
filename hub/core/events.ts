// The hub's internal events, typed: the bridge says what happened to nodes and the broker
// connection; features (hub/features/) listen, each under its own name so that its stop()
// removes all its listeners at once.
import { EventEmitter } from 'node:events';
import type { ReadingValue } from '../../shared/measurements.ts';
import type { NodeRecord, OfflineReason } from './nodes.ts';

export interface HubEventMap {
  /** First line from a node, or first after it was offline. */
  nodeOnline: [node: NodeRecord];
  nodeOffline: [node: NodeRecord, reason: OfflineReason];
  /** Home Assistant deleted the node's device: the hub forgets it until it speaks again. */
  nodeForgotten: [node: NodeRecord];
  /** The node printed an info line. */
  nodeInfo: [node: NodeRecord];
  /** Its set of measurements grew or its room changed: discovery is out of date. */
  nodeChanged: [node: NodeRecord];
  /**
   * A value from a serial line was accepted and queued for publishing (hot path: listeners
   * must be cheap). `at` is when its line was read, in ms.
   */
  reading: [node: NodeRecord, room: string, measurement: string, value: ReadingValue, at: number];
  /** Connected to the broker (again): republish state. */
  brokerConnected: [];
  brokerDisconnected: [];
}

/** Whoever registered listeners under it (a feature, the dashboard): removeListeners(owner) drops them all. */
export type ListenerOwner = object;

type AnyListener = (...args: unknown[]) => void;

export class HubEvents {
  private readonly emitter = new EventEmitter();
  private readonly owned = new Map<ListenerOwner, [event: keyof HubEventMap, listener: AnyListener][]>();

  /**
   * Listens to `event`. With an `owner`, the bus keeps the listener under it, so one
   * removeListeners(owner) at stop removes every listener that owner added (as
   * zigbee2mqtt's event bus does for its extensions). Returns a function that removes this one.
   */
  on<K extends keyof HubEventMap>(event: K, listener: (...args: HubEventMap[K]) => void, owner?: ListenerOwner): () => void {
    const l = listener as AnyListener;
    this.emitter.on(event, l);
    if (owner !== undefined) {
      const list = this.owned.get(owner) ?? [];
      list.push([event, l]);
      this.owned.set(owner, list);
    }
    return () => {
      this.emitter.off(event, l);
      const list = owner === undefined ? undefined : this.owned.get(owner);
      const at = list?.findIndex(([e, x]) => e === event && x === l) ?? -1;
      if (at >= 0) list!.splice(at, 1);
    };
  }

  /** Removes every listener registered under `owner`. */
  removeListeners(owner: ListenerOwner): void {
    for (const [event, listener] of this.owned.get(owner) ?? []) this.emitter.off(event, listener);
    this.owned.delete(owner);
  }

  /** Listeners currently registered (all events, or one). */
  listenerCount(event?: keyof HubEventMap): number {
    if (event !== undefined) return this.emitter.listenerCount(event);
    return this.emitter.eventNames().reduce((n, e) => n + this.emitter.listenerCount(e), 0);
  }

  emit<K extends keyof HubEventMap>(event: K, ...args: HubEventMap[K]): void {
    this.emitter.emit(event, ...args);
  }
}
