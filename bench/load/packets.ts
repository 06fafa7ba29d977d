/**
 * MQTT 3.1.1 packets of the light load generator, built once with mqtt-packet and patched per
 * message: a sensor's PUBLISH is a fixed-size template (topic, ~200-byte single-reading JSON
 * payload) in which only the packet id, the DUP flag, `seq`, `time` and two values change. The
 * varying fields are fixed-width (numbers padded with JSON whitespace), so a message costs a
 * 250-byte copy and four small writes, and the generator costs the machine little.
 */
import mqttPacket from 'mqtt-packet'
import { BASE } from '../ingest/common.js'

export interface PacketSensor {
  id: string
  borough: string
  password: string
}

const SEQ_WIDTH = 10
const PM25_WIDTH = 4
const MARK = { seq: '"seq":', time: '"time":"', pm25: '"pm2_5":', pm10: '"pm10":' }

/** The same fields as bench/ingest/common.ts benchReading; seq and pm2_5 padded to a fixed width. */
function payloadTemplate(sensor: { id: string; borough: string }): string {
  return JSON.stringify({
    sensor: sensor.id,
    borough: sensor.borough,
    kind: 'air',
    time: new Date(BASE).toISOString(),
    interval: 60,
    seq: 0,
    values: { pm2_5: 8, pm10: 15, no2: 30.5, temperature: 11.2, relative_humidity: 70 },
  })
    .replace(`${MARK.seq}0`, `${MARK.seq}0${' '.repeat(SEQ_WIDTH - 1)}`)
    .replace(`${MARK.pm25}8`, `${MARK.pm25}8${' '.repeat(PM25_WIDTH - 1)}`)
}

export interface PublishTemplate {
  bytes: Buffer
  length: number
  idAt: number
  seqAt: number
  timeAt: number
  pm25At: number
  pm10At: number
  timeStepMs: number
}

export function upTopic(sensor: { id: string; borough: string }): string {
  return `streetsense/v1/${sensor.borough}/${sensor.id}/air`
}

export function publishTemplate(sensor: { id: string; borough: string }, timeStepMs: number): PublishTemplate {
  const payload = Buffer.from(payloadTemplate(sensor))
  const bytes = mqttPacket.generate({
    cmd: 'publish',
    topic: upTopic(sensor),
    payload,
    qos: 1,
    messageId: 1,
    retain: false,
    dup: false,
  })
  const payloadAt = bytes.length - payload.length
  const at = (mark: string) => payloadAt + payload.indexOf(mark) + mark.length
  return {
    bytes,
    length: bytes.length,
    idAt: payloadAt - 2,
    seqAt: at(MARK.seq),
    timeAt: at(MARK.time),
    pm25At: at(MARK.pm25),
    pm10At: at(MARK.pm10),
    timeStepMs,
  }
}

function writePadded(out: Buffer, at: number, text: string, width: number): void {
  const n = out.write(text, at, 'latin1')
  out.fill(0x20, at + n, at + width)
}

/** Writes the PUBLISH for `seq` with packet id `id` into `out` at `offset`; returns the next offset. */
export function fillPublish(t: PublishTemplate, out: Buffer, offset: number, seq: number, id: number, dup: boolean) {
  t.bytes.copy(out, offset)
  if (dup) out[offset] = out[offset]! | 0x08
  out.writeUInt16BE(id, offset + t.idAt)
  writePadded(out, offset + t.seqAt, String(seq), SEQ_WIDTH)
  out.write(new Date(BASE + seq * t.timeStepMs).toISOString(), offset + t.timeAt, 'latin1')
  // One decimal and two digits keep the widths fixed: pm2_5 8.0..16.4, pm10 15..25.
  writePadded(out, offset + t.pm25At, String((80 + (seq % 13) * 7) / 10), PM25_WIDTH)
  out.write(String(15 + (seq % 11)), offset + t.pm10At, 'latin1')
  return offset + t.length
}

export function connectPacket(sensor: PacketSensor, clean: boolean, keepaliveSeconds: number): Buffer {
  return mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clientId: sensor.id,
    clean,
    keepalive: keepaliveSeconds,
    username: sensor.id,
    password: Buffer.from(sensor.password),
  })
}

/** The device's downlink subscription (cmd, errors), as edge/publish/publisher.ts makes it. */
export function subscribePacket(sensor: { id: string; borough: string }): Buffer {
  return mqttPacket.generate({
    cmd: 'subscribe',
    messageId: 1,
    subscriptions: [{ topic: `streetsense/v1/${sensor.borough}/${sensor.id}/+`, qos: 1 }],
  })
}

export const PINGREQ = Buffer.from([0xc0, 0x00])

export function pubackPacket(id: number): Buffer {
  return Buffer.from([0x40, 0x02, id >> 8, id & 0xff])
}
