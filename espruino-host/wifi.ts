// require("Wifi") on the ESP32 board. The access point is host-controlled: drop() makes it
// vanish (a connected station gets 'disconnected'; connects fail with "no_ap_found" until
// restore()). The station itself (connected or not) starts "off" at every boot, as on a chip.
// Callbacks follow ESP32 Espruino: connect's callback gets null or a reason string.
import { EventEmitter } from 'node:events';
import type { EventLoop } from './loop.ts';
import type { Realm } from './realm.ts';

export interface AccessPoint {
  /** When set, connect() with another SSID fails with "no_ap_found". */
  ssid?: string;
  /** When set, connect() with another password fails with "auth_fail". */
  password?: string;
  /** Address handed to the station. */
  ip?: string;
  gateway?: string;
  /** How long association + DHCP take. */
  connectDelayMs?: number;
}

type StationState = 'off' | 'connecting' | 'connected' | 'no_ap_found' | 'auth_fail';

/** Host-side WiFi environment; survives reboots. */
export class SimWifi extends EventEmitter {
  private up = true;
  station: StationState = 'off';
  /** SSID of the current or last connection attempt. */
  ssid: string | undefined;
  /** Last hostname the program set (undefined until it sets one). */
  hostname: string | undefined;
  /** Signal strength the station reports while connected (Wifi.getStatus().rssi). */
  rssi = -55;
  /** Every hostname set, in order, across boots. */
  readonly hostnameHistory: string[] = [];
  /** Connection attempts, in order, across boots. */
  readonly connectAttempts: Array<{ ssid: string; ok: boolean }> = [];

  constructor(readonly accessPoint: AccessPoint = {}) {
    super();
  }

  get isUp(): boolean {
    return this.up;
  }

  get isConnected(): boolean {
    return this.station === 'connected';
  }

  /** The access point disappears: the station drops and reconnects fail until restore(). */
  drop(): void {
    this.up = false;
    if (this.station === 'connected' || this.station === 'connecting') {
      this.station = 'off';
      this.emit('dropped');
    }
  }

  restore(): void {
    this.up = true;
  }

  /** @internal a reboot powers the radio down */
  resetStation(): void {
    this.station = 'off';
  }
}

export function createWifiModule(realm: Realm, loop: EventLoop, sim: SimWifi, mac: string, saveConfig: (json: string | undefined) => void): object {
  const ap = sim.accessPoint;
  const ip = ap.ip ?? '192.168.1.50';
  const gw = ap.gateway ?? '192.168.1.1';
  let pending: NodeJS.Timeout | undefined;
  let lastOptions: { password?: string } = {};

  const module = realm.object({}) as Record<string, unknown> & { emit(event: string, ...args: unknown[]): void };
  const detailsOf = (reason?: string) => realm.object(reason ? { ssid: sim.ssid ?? '', mac, reason } : { ip, netmask: '255.255.255.0', gw });

  // The access point vanishing while this program runs.
  const onDropped = () => module.emit('disconnected', detailsOf('beacon_timeout'));
  sim.on('dropped', onDropped);
  loop.own(() => {
    sim.off('dropped', onDropped);
    if (pending) clearTimeout(pending);
  });

  const withCallback = (cb: unknown, value: unknown) => {
    if (typeof cb === 'function') loop.queue(cb, [null, value]);
    return value;
  };

  Object.assign(module, {
    connect(ssid: unknown, options?: { password?: unknown }, callback?: unknown) {
      loop.guard();
      const name = String(ssid);
      const password = options && options.password !== undefined ? String(options.password) : undefined;
      lastOptions = password === undefined ? {} : { password };
      if (pending) clearTimeout(pending);
      sim.ssid = name;
      sim.station = 'connecting';
      pending = setTimeout(() => {
        pending = undefined;
        let reason: StationState | undefined;
        if (!sim.isUp || (ap.ssid !== undefined && ap.ssid !== name)) reason = 'no_ap_found';
        else if (ap.password !== undefined && ap.password !== (password ?? '')) reason = 'auth_fail';
        sim.connectAttempts.push({ ssid: name, ok: !reason });
        if (reason) {
          sim.station = reason;
          module.emit('disconnected', detailsOf(reason));
          if (typeof callback === 'function') loop.queue(callback, [reason]);
          return;
        }
        sim.station = 'connected';
        module.emit('connected', detailsOf());
        if (typeof callback === 'function') loop.queue(callback, [null]);
      }, ap.connectDelayMs ?? 100);
    },
    disconnect(callback?: unknown) {
      loop.guard();
      if (pending) clearTimeout(pending);
      pending = undefined;
      const wasConnected = sim.station === 'connected';
      sim.station = 'off';
      if (wasConnected) module.emit('disconnected', detailsOf('assoc_leave'));
      if (typeof callback === 'function') loop.queue(callback, []);
    },
    getIP(callback?: unknown) {
      const info = realm.object({
        ip: sim.isConnected ? ip : '0.0.0.0',
        netmask: sim.isConnected ? '255.255.255.0' : '0.0.0.0',
        gw: sim.isConnected ? gw : '0.0.0.0',
        mac,
      });
      return withCallback(callback, info);
    },
    // As libs/network/esp32/jswrap_esp32_network.c: getStatus() carries the access point's
    // ssid, bssid, channel and rssi while connected; getDetails() never has an rssi.
    getStatus(callback?: unknown) {
      const station = sim.isConnected
        ? { station: 'connected', ssid: sim.ssid ?? '', bssid: '24:0a:c4:00:00:01', channel: 6, rssi: sim.rssi, htMode: 'HT20', authMode: 'wpa2' }
        : { station: sim.station === 'off' ? 'off' : sim.station };
      const status = realm.object({ ...station, mode: sim.station === 'off' ? 'NULL' : 'STA', powersave: 'none' });
      return withCallback(callback, status);
    },
    getDetails(callback?: unknown) {
      const details = realm.object(
        sim.isConnected ? { ssid: sim.ssid ?? '', password: lastOptions.password ?? '', status: 'connected', authMode: 'wpa2' } : { status: sim.station },
      );
      return withCallback(callback, details);
    },
    scan(callback?: unknown) {
      loop.guard();
      const found = sim.isUp ? [realm.object({ ssid: ap.ssid ?? 'roomlink-sim', authMode: 'wpa2', rssi: -55, channel: 6 })] : [];
      if (typeof callback === 'function') loop.queue(callback, [realm.array(found)]);
    },
    setHostname(name: unknown, callback?: unknown) {
      loop.guard();
      sim.hostname = String(name);
      sim.hostnameHistory.push(sim.hostname);
      if (typeof callback === 'function') loop.queue(callback, []);
    },
    getHostname(callback?: unknown) {
      return withCallback(callback, sim.hostname ?? `espressif`);
    },
    save(what?: unknown) {
      loop.guard();
      // Espruino stores the password in plain text in Storage ".wificfg".
      if (what === 'clear') saveConfig(undefined);
      else saveConfig(JSON.stringify({ mode: 'sta', ssid: sim.ssid ?? '', password: lastOptions.password ?? '', hostname: sim.hostname }));
    },
  });
  return module;
}
