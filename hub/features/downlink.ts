// Commands from MQTT to nodes: a JSON object on <nodes>/<node>/set goes to the port the
// node was last seen on. Nodes running roomlink firmware (they printed an info line or put a
// boot id on their readings, or the port says protocol: roomlink) get one echo-off REPL line
// calling the firmware's entry point, with the JSON re-encoded by shared/line-protocol.ts
// (the payload text itself never reaches the REPL). Other devices (protocol: plain, or auto
// before any sign of roomlink firmware) get the JSON object as one line. Nothing is queued:
// a command for a node whose port is down is refused, like one that is not JSON, not an
// object, or retained (a retained command would run again on every reconnect). A command
// for a node this hub does not serve (a WiFi node, say) is none of its business: counted
// as `not_ours`, not refused. The dashboard's actions take the same path (command()), and
// get back what became of the command.
import { checkCommand } from '../../shared/commands.ts';
import { asciiJson } from '../../shared/json.ts';
import { commandLine } from '../../shared/line-protocol.ts';
import { printable } from '../../shared/slug.ts';
import { parseCommandTopic, type TopicPrefixes } from '../../shared/topics.ts';
import type { NodeRegistry } from '../core/nodes.ts';
import { RateLimit } from '../core/rate-limit.ts';
import type { Logger } from '../log.ts';
import type { PortManager } from '../serial/port-manager.ts';

export interface DownlinkCounters {
  sent: number;
  refused: Record<string, number>;
  /** Commands for nodes this hub does not serve (WiFi nodes take theirs from the broker). */
  not_ours: number;
}

/** What became of one command: sent to a port (as a REPL call or a JSON line), or why not. */
export type CommandOutcome = { ok: true; port: string; as: 'repl' | 'json' } | { ok: false; reason: string; message: string };

export interface DownlinkOptions {
  prefixes: TopicPrefixes;
  nodes: NodeRegistry;
  ports: PortManager;
  log: Logger;
}

/** Longest command payload taken, in bytes. */
const MAX_COMMAND_BYTES = 4096;

export class Downlink {
  readonly counters: DownlinkCounters = { sent: 0, refused: {}, not_ours: 0 };
  private readonly options: DownlinkOptions;
  private readonly limiter = new RateLimit();

  constructor(options: DownlinkOptions) {
    this.options = options;
  }

  /** Handles a message on the command filter; true when it was one of ours. */
  handle(topic: string, payload: Buffer, retained: boolean): boolean {
    const nodeId = parseCommandTopic(this.options.prefixes, topic);
    if (nodeId === undefined) return false;
    const outcome = this.command(nodeId, payload, retained);
    if (!outcome.ok && outcome.reason === 'not_ours') this.counters.not_ours++;
    return true;
  }

  /** Whether `nodeId` takes commands through this hub (it is on one of its ports). */
  serves(nodeId: string): boolean {
    return this.options.nodes.get(nodeId) !== undefined || this.options.ports.all().some((p) => p.settings.node === nodeId);
  }

  /**
   * One command for `nodeId`, as its JSON payload: the path of <nodes>/<node>/set, also taken
   * by the dashboard's actions. Refusals are counted and logged (rate-limited) here.
   */
  command(nodeId: string, payload: Buffer, retained = false): CommandOutcome {
    const node = this.options.nodes.get(nodeId);
    const port = node ? this.options.ports.get(node.portId) : this.options.ports.all().find((p) => p.settings.node === nodeId);
    if (!node && !port) return { ok: false, reason: 'not_ours', message: `node ${nodeId} is not on a port of this hub` };
    if (retained) return this.refuse('retained', nodeId, 'retained commands are ignored (they would run again on every reconnect)');
    if (payload.length > MAX_COMMAND_BYTES) return this.refuse('too_long', nodeId, `command longer than ${MAX_COMMAND_BYTES} bytes`);
    const text = payload.toString('utf8');
    let command: unknown;
    try {
      command = JSON.parse(text);
    } catch {
      return this.refuse('malformed_json', nodeId, 'command is not JSON', text);
    }
    if (typeof command !== 'object' || command === null || Array.isArray(command)) {
      return this.refuse('not_object', nodeId, 'command must be a JSON object', text);
    }
    if (!port) return this.refuse('port_closed', nodeId, `port ${node?.portId} is not attached`);
    const protocol = port.settings.protocol ?? 'auto';
    const firmware = protocol === 'roomlink' || (protocol === 'auto' && node?.firmware === true);
    let line: string;
    if (firmware) {
      const check = checkCommand(command);
      if (!check.ok) return this.refuse('invalid_command', nodeId, check.error, text);
      line = commandLine(check.command as unknown as { [key: string]: unknown });
    } else {
      line = `${asciiJson(command)}\n`;
    }
    if (!port.link.write(line)) return this.refuse('port_closed', nodeId, `port ${port.id} is not open`);
    this.counters.sent++;
    const as = firmware ? 'repl' : 'json';
    this.options.log.info('command sent', { node: nodeId, port: port.id, as });
    return { ok: true, port: port.id, as };
  }

  private refuse(reason: string, node: string, message: string, text?: string): CommandOutcome {
    this.counters.refused[reason] = (this.counters.refused[reason] ?? 0) + 1;
    if (this.limiter.allow(reason).ok) {
      this.options.log.warn('command refused', { node, reason, message, excerpt: text === undefined ? undefined : printable(text, 60) });
    }
    return { ok: false, reason, message };
  }
}
