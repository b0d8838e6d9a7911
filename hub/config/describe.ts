// A human summary of the effective settings, for the hub's startup log and `--help`-style
// diagnostics. Passwords never appear: only whether one is set and where it came from.
import { redactUrl } from './redact.ts';
import type { HubSettings } from './schema.ts';

export { redactUrl } from './redact.ts';

function secretNote(section: { username?: string; password?: string; password_file?: string }): string {
  if (!section.username && !section.password) return 'anonymous';
  const password = section.password_file ? `password from ${section.password_file}` : section.password ? 'password set' : 'no password';
  return `user ${section.username ?? '(none)'}, ${password}`;
}

/** One line per area; safe to log. */
export function describeSettings(settings: HubSettings): string {
  const { mqtt, broker, topics, serial } = settings;
  const lines: string[] = [];
  if (mqtt.url) {
    const tls = [mqtt.ca && `ca ${mqtt.ca}`, mqtt.cert && `cert ${mqtt.cert}`, !mqtt.reject_unauthorized && 'certificate NOT verified']
      .filter(Boolean)
      .join(', ');
    lines.push(`mqtt: ${redactUrl(mqtt.url)} (${secretNote(mqtt)}, client id ${mqtt.client_id}, keepalive ${mqtt.keepalive} s${tls ? `, ${tls}` : ''})`);
  } else {
    const users = Object.entries(broker.users).map(([name, user]) => `${name} (${user.role})`);
    if (broker.username) users.push(`${broker.username} (admin)`);
    const anonymousIn = broker.allow_anonymous || users.length === 0;
    const anonymous = anonymousIn
      ? `anonymous clients may publish ${broker.anonymous.publish.join(' ') || 'nothing'} and read ${broker.anonymous.subscribe.join(' ') || 'nothing'}`
      : 'anonymous clients refused';
    lines.push(
      `mqtt: embedded broker on ${broker.host}:${broker.port} (accounts: ${users.join(', ') || 'none'}; ${anonymous}; ` +
        `the hub logs in with its own; client id ${mqtt.client_id}, keepalive ${mqtt.keepalive} s)`,
    );
  }
  lines.push(
    `topics: readings ${topics.readings}/<room>/<measurement>, nodes ${topics.nodes}/<node>, bridge ${topics.bridge}, ` +
      `discovery ${settings.homeassistant.discovery ? topics.discovery : 'off'}`,
  );
  lines.push(`readings: qos ${settings.qos}, ${settings.retain ? 'retained' : 'not retained'}`);
  const ports = serial.ports.map((p) => {
    const extras = [
      p.baud && p.baud !== serial.baud && `${p.baud} baud`,
      p.node && `node ${p.node}`,
      p.room && `room ${p.room}`,
      p.protocol && p.protocol !== 'auto' && p.protocol,
    ]
      .filter(Boolean)
      .join(', ');
    return extras ? `${p.path} (${extras})` : p.path;
  });
  lines.push(
    `serial: ${ports.length ? ports.join(', ') : 'no ports listed'}; autodetect ${serial.autodetect ? 'on' : 'off'}; ` +
      `${serial.baud} baud, dtr ${serial.dtr ? 'on' : 'off'}, rts ${serial.rts ? 'on' : 'off'}`,
  );
  const nodeIds = Object.keys(settings.nodes);
  if (nodeIds.length) lines.push(`nodes with overrides: ${nodeIds.join(', ')}`);
  const { http } = settings;
  const login = http.password_file ? `password from ${http.password_file}` : http.password ? 'password set' : 'no password';
  lines.push(http.enabled ? `dashboard: http://${http.listen} (${login}); history kept ${settings.history.retention_days} days` : 'dashboard: off');
  lines.push(`data dir: ${settings.data_dir}; log level ${settings.log_level}`);
  return lines.join('\n');
}
