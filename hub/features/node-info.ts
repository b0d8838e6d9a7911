// Node info on <nodes>/<node>/info: the JSON object the node printed about itself
// (firmware version, interval, ...), retained, and again on every connect.
import type { HubEvents } from '../core/events.ts';
import type { NodeRegistry } from '../core/nodes.ts';
import type { Publisher } from '../mqtt/publisher.ts';
import { Feature } from './feature.ts';

export class NodeInfo extends Feature {
  readonly name = 'node-info';

  constructor(private readonly parts: { nodes: NodeRegistry; events: HubEvents; publisher: Publisher }) {
    super(parts.events);
  }

  start(): void {
    const { publisher, nodes } = this.parts;
    this.on('nodeInfo', (node) => {
      if (node.info) publisher.state('nodeInfo', { node: node.id, info: node.info });
    });
    this.on('brokerConnected', () => {
      for (const node of nodes.all()) if (node.info) publisher.state('nodeInfo', { node: node.id, info: node.info });
    });
  }
}
