/**
 * How gap repair's `resend` reaches a device: a DeviceCommand (schemas/command.v1.json) published
 * with QoS 1 on the device's cmd topic from the ingest's own MQTT connection (its service account
 * may publish there, within its boroughs). The device has a persistent session, so a command for
 * an offline device waits at the broker until it reconnects, unless it expired first.
 */
import { randomUUID } from 'node:crypto'
import type { MqttClient } from 'mqtt'
import { buildTopic, type DeviceCommand } from '../../schemas/index.js'
import type { ResendRequester } from './gap-repair.js'

export function mqttResendRequester(
  client: () => MqttClient | undefined,
  options: { ttlMs: number; by: string },
): ResendRequester {
  return {
    requestResend(sensor, borough, from, to) {
      const c = client()
      if (!c?.connected) return false
      const now = Date.now()
      const command: DeviceCommand = {
        command: 'resend',
        id: `resend-${randomUUID()}`,
        from,
        to,
        issued_at: new Date(now).toISOString(),
        expires_at: new Date(now + options.ttlMs).toISOString(),
        by: options.by.slice(0, 64),
      }
      c.publish(buildTopic(borough, sensor, 'cmd'), JSON.stringify(command), { qos: 1 })
      return true
    },
  }
}
