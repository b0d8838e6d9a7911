// The hub's internal events, typed: the bridge says what happened to nodes and the broker
// connection; features (availability, discovery, node info, health) listen.
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

export class HubEvents {
  private readonly emitter = new EventEmitter();

  on<K extends keyof HubEventMap>(event: K, listener: (...args: HubEventMap[K]) => void): () => void {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
    return () => this.emitter.off(event, listener as (...args: unknown[]) => void);
  }

  emit<K extends keyof HubEventMap>(event: K, ...args: HubEventMap[K]): void {
    this.emitter.emit(event, ...args);
  }
}
