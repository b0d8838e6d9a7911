// The commented example node configs `roomlink config init` writes: JSON with // comments,
// which every command that takes a node config reads (comments are stripped; the board gets
// plain JSON). Rooms and node ids follow what the demo and the README use (living_room).
// The placeholders "my-network" and "change-me" are warned about by `config check`.

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

const IDS = `  // Node id: lowercase letters, digits, "-" and "_"; unique per broker. Topics: roomlink/<node>/...`;
const ROOM = `  // Room: readings go to home/<room>/<measurement>. A slug like the node id: "Living Room" is
  // written living_room (\`roomlink config check\` suggests it).`;

const EXAMPLES: Record<ExampleName, (file: string) => string> = {
  kitchen: (file) => `// roomlink node config: a kitchen node with a BME280 (temperature, humidity, pressure)
// on I2C and a PIR motion sensor. Check it, then flash it with:
//   roomlink config check ${file}
//   roomlink flash --target /dev/ttyUSB0 --config ${file}
// Other examples: roomlink config init --example living-room | battery
{
${IDS}
  "node": "kitchen-1",
${ROOM}
  "room": "kitchen",
${NETWORK}
  // Seconds between readings.
  "interval": 60,
  "sensors": [
    // BME280 on I2C: SDA on GPIO 21, SCL on GPIO 22 (the ESP32 DevKit defaults), address 0x76 (118).
    { "type": "bme280", "sda": 21, "scl": 22, "address": 118,
      // Filters apply to each of the sensor's values alike, in that value's unit: temperature,
      // humidity and pressure are each published when they moved 0.2 (°C, %, hPa) or more,
      // and each at least every 10 minutes anyway.
      "filters": { "delta": 0.2, "heartbeat": 600 } },
    // PIR motion sensor output on GPIO 27; debounce in milliseconds.
    { "type": "binary", "pin": 27, "measurement": "motion", "debounce": 200 }
  ]
}
`,
  'living-room': (file) => `// roomlink node config: a living-room node with one DS18B20 temperature probe on 1-Wire.
// Check it, then flash it with:
//   roomlink config check ${file}
//   roomlink flash --target /dev/ttyUSB0 --config ${file}
{
${IDS}
  "node": "living-1",
${ROOM}
  "room": "living_room",
${NETWORK}
  "interval": 30,
  "sensors": [
    // DS18B20 data line on GPIO 4, with a 4.7 kOhm pull-up to 3.3 V.
    // Average the last 4 samples to smooth out the 0.0625 degree steps.
    { "type": "ds18b20", "pin": 4, "filters": { "average": 4 } }
  ]
}
`,
  battery: (file) => `// roomlink node config: a battery node that sleeps between readings. It wakes every
// "sleep" seconds, measures, connects, delivers (readings taken while the broker was away
// too), then goes back into deep sleep. While asleep it has no console: press reset
// before \`roomlink flash --target /dev/ttyUSB0 --config ${file}\` reaches it.
{
${IDS}
  "node": "balcony-1",
${ROOM}
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

/** The example's text; `file` is the name its header tells you to pass to check and flash. */
export function exampleNodeConfig(name: ExampleName, file = 'node.json'): string {
  return EXAMPLES[name](file);
}
