// Node info on <nodes>/<node>/info: the JSON object the node printed about itself
// (firmware version, interval, ...), retained, and again on every connect.
import type { HubEvents } from '../core/events.ts';
import type { NodeRegistry } from '../core/nodes.ts';
import type { Publisher } from '../mqtt/publisher.ts';

export class NodeInfo {
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly parts: { nodes: NodeRegistry; events: HubEvents; publisher: Publisher }) {}

  start(): void {
    const { events, publisher, nodes } = this.parts;
    this.unsubscribe = [
      events.on('nodeInfo', (node) => {
        if (node.info) publisher.state('nodeInfo', { node: node.id, info: node.info });
      }),
      events.on('brokerConnected', () => {
        for (const node of nodes.all()) if (node.info) publisher.state('nodeInfo', { node: node.id, info: node.info });
      }),
    ];
  }

  stop(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
  }
}
