// require("ESP32") on the ESP32 board. deepSleep(us) never returns on a chip: here it
// kills the program's event loop (nothing of it runs again, output is muted), tells the host
// and throws a ProgramHalt to unwind the caller. getWakeupCause() follows esp_sleep_source_t:
// 4 (timer) after a deep-sleep wake, 0 (undefined) after power-up or reboot.
import type { EventLoop } from './loop.ts';
import type { Realm } from './realm.ts';

export const WAKEUP_UNDEFINED = 0;
export const WAKEUP_TIMER = 4;

export interface Esp32Hooks {
  deepSleep(microseconds: number): never;
  reboot(): never;
  wakeupCause(): number;
  freeHeapBytes(): number;
}

export function createEsp32Module(realm: Realm, loop: EventLoop, hooks: Esp32Hooks): object {
  return realm.object({
    deepSleep(us: unknown) {
      loop.guard();
      // targets/esp32/jswrap_esp32.c takes `int us` (Espruino's 32-bit JsVarInt, truncated)
      // and hands it to esp_sleep_enable_timer_wakeup as uint64: past 2^31 - 1 it wraps
      // negative, becomes a huge wake-up time, and the chip sleeps for good.
      const us32 = Number(us) | 0;
      hooks.deepSleep(us32 < 0 ? Infinity : us32);
    },
    getWakeupCause() {
      return hooks.wakeupCause();
    },
    getState() {
      return realm.object({ sdkVersion: 'v4.4.8', cpuFrequency: 240, freeHeap: hooks.freeHeapBytes(), maxCon: 10, flashKB: 4096 });
    },
    reboot() {
      loop.guard();
      hooks.reboot();
    },
    setAtten(_pin: unknown, _atten: unknown) {
      loop.guard();
    },
    enableWifi(_on: unknown) {
      loop.guard();
    },
    enableBLE(_on: unknown) {
      loop.guard();
    },
  });
}
