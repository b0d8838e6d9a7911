// The byte stream under the hub's MQTT connection, from the broker URL: TCP (mqtt://,
// tcp://), TLS (mqtts://, ssl://) with the CA, client certificate and key of the settings,
// and WebSocket (ws://, wss://, subprotocol "mqtt") through the `ws` package. TLS and ws are
// loaded only when such a URL is used. Default ports as MQTT.js has them: 1883, 8883, 80, 443.
import net from 'node:net';
import type { Duplex } from 'node:stream';

type Pem = string | Buffer | (string | Buffer)[];

export interface TransportOptions {
  ca?: Pem;
  cert?: Pem;
  key?: Pem;
  /** Verify the broker's certificate (default true). */
  rejectUnauthorized?: boolean;
}

export interface Transport {
  stream: Duplex;
  /** Emits 'ready' on the stream when it can carry MQTT (TCP/TLS connected, WebSocket open). */
  readyEvent: string;
}

/** Opens the connection a broker URL names (credentials, if any, are not read from it). */
export async function openTransport(url: string, options: TransportOptions): Promise<Transport> {
  const u = new URL(url);
  const scheme = u.protocol.replace(/:$/, '');
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const tlsOptions = {
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
    ...(options.cert !== undefined ? { cert: options.cert } : {}),
    ...(options.key !== undefined ? { key: options.key } : {}),
    rejectUnauthorized: options.rejectUnauthorized ?? true,
  };
  switch (scheme) {
    case 'mqtt':
    case 'tcp': {
      const socket = net.connect({ host, port: Number(u.port || 1883) });
      socket.setNoDelay(true);
      return { stream: socket, readyEvent: 'connect' };
    }
    case 'mqtts':
    case 'ssl': {
      // Loaded when used, like ws: a hub on plain TCP does not carry TLS in memory.
      const tls = await import('node:tls');
      // SNI only for names: sending an IP address as server name is not allowed (RFC 6066).
      const socket = tls.connect({ host, port: Number(u.port || 8883), ...(net.isIP(host) ? {} : { servername: host }), ...tlsOptions });
      socket.setNoDelay(true);
      return { stream: socket, readyEvent: 'secureConnect' };
    }
    case 'ws':
    case 'wss': {
      const { default: WebSocket, createWebSocketStream } = await import('ws');
      const ws = new WebSocket(u.href, 'mqtt', { ...(scheme === 'wss' ? tlsOptions : {}), perMessageDeflate: false });
      const stream = createWebSocketStream(ws);
      ws.once('open', () => stream.emit('wsopen'));
      return { stream, readyEvent: 'wsopen' };
    }
    default:
      throw new Error(`unsupported broker URL scheme "${scheme}"`);
  }
}
