// WiFi station: connect, hostname from the node id, reconnect with backoff after a
// failure or a `disconnected` event (recent Espruino stops WiFi after 3 failed tries, so
// retrying is our job). Without a Wifi module (Espruino's Linux port, the host runtime)
// or without a `wifi` section in the config, the network is taken as already up.

/** The Wifi module, once required (undefined without one: Linux port, host runtime). */
export let wifi: WifiModule | undefined;
let backoff = 2;
let timer: number | undefined;
let up = false;

export function wifiStart(ssid: string | undefined, pass: string | undefined, host: string, onUp: () => void, onDown: () => void): void {
  try {
    wifi = require('Wifi');
  } catch (_) {}
  if (!wifi || !ssid) {
    onUp();
    return;
  }
  try {
    wifi.setHostname(host);
  } catch (_) {}
  function retry(): void {
    if (timer) return;
    timer = setTimeout(function () {
      timer = undefined;
      join();
    }, backoff * 1000);
    backoff = Math.min(backoff * 2, 120);
  }
  function join(): void {
    // Both checked on the way in (wifiStart returned without them).
    wifi!.connect(ssid!, { password: pass }, function (err: unknown) {
      if (err) {
        print('roomlink: WiFi "' + ssid + '": ' + err + ', retrying in ' + backoff + ' s');
        return retry();
      }
      backoff = 2;
      if (!up) {
        up = true;
        onUp();
      }
    });
  }
  wifi.on('disconnected', function () {
    if (up) {
      up = false;
      onDown();
    }
    retry();
  });
  join();
}
