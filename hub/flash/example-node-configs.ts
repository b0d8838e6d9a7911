// The commented example node configs `roomlink config init` writes: JSON with // comments,
// which `config check` and `flash` read (comments are stripped; the board gets plain JSON).

export const EXAMPLE_NAMES = ['kitchen', 'living-room', 'battery'] as const;
export type ExampleName = (typeof EXAMPLE_NAMES)[number];

const NETWORK = `  // How the node reaches the broker: "wifi" (it connects itself) or "serial" (it prints
  // readings on USB for \`roomlink hub\`; then "wifi" and "mqtt" are not needed).
  "transport": "wifi",
  "wifi": {
    "ssid": "my-network",
    // Sent to the board with echo off and stored in its Storage; roomlink never prints it.
    "password": "change-me"
  },
  "mqtt": {
    "host": "192.168.1.10", // your broker (the hub's embedded one, or Mosquitto)
    "port": 1883
    // "username": "roomlink", "password": "..."   if the broker wants a login
  },`;

const EXAMPLES: Record<ExampleName, string> = {
  kitchen: `// roomlink node config: a kitchen node with a BME280 (temperature, humidity, pressure)
// on I2C and a PIR motion sensor. Flash it with:
//   roomlink flash --target /dev/ttyUSB0 --config kitchen.json
// Other examples: roomlink config init --example living-room | battery
{
  // Node id: lowercase letters, digits and "-"; unique per broker. Topics: roomlink/<node>/...
  "node": "kitchen-1",
  // Room: readings go to home/<room>/<measurement>, e.g. home/kitchen/temperature.
  "room": "kitchen",
${NETWORK}
  // Seconds between readings.
  "interval": 60,
  "sensors": [
    // BME280 on I2C: SDA on GPIO 21, SCL on GPIO 22 (the ESP32 DevKit defaults), address 0x76 (118).
    { "type": "bme280", "sda": 21, "scl": 22, "address": 118,
      // Publish when temperature moved 0.2 or more, and at least every 10 minutes anyway.
      "filters": { "delta": 0.2, "heartbeat": 600 } },
    // PIR motion sensor output on GPIO 27; debounce in milliseconds.
    { "type": "binary", "pin": 27, "measurement": "motion", "debounce": 200 }
  ]
}
`,
  'living-room': `// roomlink node config: a living-room node with one DS18B20 temperature probe on 1-Wire.
// Flash it with:
//   roomlink flash --target /dev/ttyUSB0 --config living-room.json
{
  "node": "living-room-1",
  "room": "living-room",
${NETWORK}
  "interval": 30,
  "sensors": [
    // DS18B20 data line on GPIO 4, with a 4.7 kOhm pull-up to 3.3 V.
    // Average the last 4 samples to smooth out the 0.0625 degree steps.
    { "type": "ds18b20", "pin": 4, "filters": { "average": 4 } }
  ]
}
`,
  battery: `// roomlink node config: a battery node that sleeps between readings. It wakes every
// "sleep" seconds, measures, connects, delivers (readings taken while the broker was away
// too), then goes back into deep sleep. While asleep it has no console: press reset
// before \`roomlink flash\` reaches it.
{
  "node": "balcony-1",
  "room": "balcony",
${NETWORK}
  // Deep sleep between readings, in seconds (15 minutes). 0 = stay awake.
  "sleep": 900,
  "interval": 900,
  "sensors": [
    // SHT3x temperature and humidity on I2C.
    { "type": "sht3x", "sda": 21, "scl": 22 },
    // Battery voltage through a 1:2 divider on GPIO 34 (ADC): scale the 0..1 reading to volts.
    { "type": "analog", "pin": 34, "measurement": "voltage", "scale": 6.6 }
  ]
}
`,
};

export function exampleNodeConfig(name: ExampleName): string {
  return EXAMPLES[name];
}
