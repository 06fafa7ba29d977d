/** How every MQTT connection of the ingest connects: its service account, a persistent session. */
import mqtt, { type MqttClient } from 'mqtt'
import type { IngestConfig } from './config.js'

export type SessionOptions = Pick<IngestConfig, 'mqttUrl' | 'mqttUsername' | 'mqttPassword'>

/** MQTT 3.1.1, clean=false (the broker keeps what arrives while we are away), reconnect every second. */
export function connectPersistent(options: SessionOptions, clientId: string): MqttClient {
  return mqtt.connect(options.mqttUrl, {
    clientId,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    keepalive: 30,
    ...(options.mqttUsername ? { username: options.mqttUsername } : {}),
    ...(options.mqttPassword ? { password: options.mqttPassword } : {}),
  })
}
