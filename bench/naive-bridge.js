// The thirty-line serial-to-MQTT bridge anyone writes with this project's own packages: read
// lines from a serial port, publish each one as it is. No validation, no persistence, no
// flow control. It is the reference `roomlink hub` is measured against (npm run bench).
//
//   node bench/naive-bridge.js <serial-path> <mqtt-url> <topic> <qos>
import { SerialPort } from 'serialport';
import { ReadlineParser } from '@serialport/parser-readline';
import mqtt from 'mqtt';

const [path, url, topic, qosText] = process.argv.slice(2);
if (!path || !url || !topic) {
  console.error('usage: naive-bridge.js <serial-path> <mqtt-url> <topic> [qos]');
  process.exit(2);
}
const qos = Number(qosText ?? '0') === 1 ? 1 : 0;

const client = mqtt.connect(url, { clientId: `naive-bridge-${process.pid}` });
client.on('error', (err) => console.error(`mqtt: ${err.message}`));

const port = new SerialPort({ path, baudRate: 115200 });
port.on('error', (err) => console.error(`serial: ${err.message}`));
const lines = port.pipe(new ReadlineParser({ delimiter: '\n' }));
lines.on('data', (line) => {
  client.publish(topic, line, { qos });
});

function stop() {
  port.close(() => client.end(() => process.exit(0)));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
