/**
 * Alerts end to end on loopback: the real `streetsense broker` and `streetsense ingest` (with a
 * real influxd), the real edge agent as a device, Debian's Prometheus scraping the broker's and
 * the ingest's /metrics with the shipped rules, and Debian's Alertmanager delivering to a webhook.
 * The device reports, then goes silent (agent stopped): DeviceOffline reaches the webhook; the
 * device comes back: the alert is resolved. The ingest exports the per-device gauges the rules
 * use, for a device that never connected too.
 */

import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type AgentProcess,
  simulatedNodeConfig,
  spawnAgent,
  stopAgent,
  writeConfig,
} from '../edge/helpers/agent-process.js'
import { type InfluxServer, startInfluxd } from '../helpers/influxd.js'
import { waitFor } from '../helpers/ports.js'
import {
  addAccount,
  addSensor,
  type BrokerProcess,
  type IngestProcess,
  startBroker,
  startIngest,
  tempDir,
} from '../helpers/processes.js'
import {
  type PrometheusServer,
  type Server,
  startAlertmanager,
  startPrometheus,
  startWebhook,
  type Webhook,
} from '../helpers/prometheus.js'

const DEVICE = 'alert-air-0001'
const NEVER_SEEN = 'alert-air-0002'
const BOROUGH = 'E09000007'
const tmp = tempDir('ss-alerts-')
let influx: InfluxServer
let broker: BrokerProcess
let ingest: IngestProcess
let alertmanager: Server
let prometheus: PrometheusServer
let webhook: Webhook
let agent: AgentProcess | undefined
let configFile: string

beforeAll(async () => {
  const data = join(tmp.dir, 'platform')
  influx = await startInfluxd()
  broker = await startBroker(data)
  const device = await addSensor(data, DEVICE, BOROUGH)
  await addSensor(data, NEVER_SEEN, BOROUGH)
  const account = await addAccount(data, 'ingest-alerts', 'ingest')
  // The broker takes the ingest's client ids only under its account name.
  ingest = await startIngest({
    dataDir: data,
    mqttUrl: broker.url,
    ...account,
    instance: account.username,
    influxUrl: influx.url,
  })
  // The node's updater says its last update went well: the heartbeat carries it to the gauges.
  const updateState = join(tmp.dir, 'update-state.json')
  writeFileSync(
    updateState,
    JSON.stringify({ state: 'healthy', current: '0.1.0', bad: [], history: [], time: new Date().toISOString() }),
  )
  configFile = writeConfig(
    tmp.dir,
    simulatedNodeConfig({
      id: DEVICE,
      borough: BOROUGH,
      brokerUrl: broker.url,
      login: device,
      dataDir: join(tmp.dir, 'node'),
      publishIntervalSeconds: 5,
      extra: { updateStateFile: updateState },
    }),
  )
  agent = spawnAgent(configFile)
  // Prometheus starts once the ingest knows the device's interval from a reading: before that it
  // exports the default (60 s), and the rule's largest-interval-in-the-last-hour would keep it.
  await waitFor(
    async () =>
      /^streetsense_device_report_interval_seconds\{device="alert-air-0001"[^}]*\} 5$/m.test(
        await (await fetch(`${ingest.opsUrl}/metrics`)).text(),
      ),
    60_000,
    'a reading from the device',
  )

  webhook = await startWebhook()
  alertmanager = await startAlertmanager(`
route: {receiver: webhook, group_by: [alertname, device], group_wait: 1s, group_interval: 1s, repeat_interval: 1h}
receivers: [{name: webhook, webhook_configs: [{url: '${webhook.url}', send_resolved: true}]}]
`)
  prometheus = await startPrometheus(`
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: ['${resolve('deploy/prometheus/rules/streetsense.rules.yml')}']
alerting: {alertmanagers: [{static_configs: [{targets: ['127.0.0.1:${alertmanager.port}']}]}]}
scrape_configs:
  - {job_name: streetsense-broker, static_configs: [{targets: ['127.0.0.1:${broker.ports.metrics}']}]}
  - {job_name: streetsense-ingest, static_configs: [{targets: ['127.0.0.1:${ingest.opsPort}']}]}
`)
}, 180_000)

afterAll(async () => {
  if (agent) await stopAgent(agent)
  await prometheus?.stop()
  await alertmanager?.stop()
  await webhook?.close()
  await ingest?.stop()
  await broker?.stop()
  await influx?.stop()
  tmp.remove()
})

const notified = (status: 'firing' | 'resolved') =>
  webhook.received.some((n) =>
    n.alerts.some((a) => a.status === status && a.labels.alertname === 'DeviceOffline' && a.labels.device === DEVICE),
  )

describe('alerts through real Prometheus and Alertmanager', { timeout: 180_000 }, () => {
  it('scrapes the real broker and ingest; the ingest exports per-device gauges for every active device', async () => {
    await waitFor(
      async () => (await prometheus.query('up{job=~"streetsense-.*"} == 1')).length === 2,
      30_000,
      'both targets up',
    )
    await waitFor(
      async () => (await prometheus.query('streetsense_broker_connections >= 2')).length === 1,
      30_000,
      'device and ingest connected',
    )
    await waitFor(
      async () => (await prometheus.query(`streetsense_device_update_state{device="${DEVICE}"}`)).length === 1,
      30_000,
      'a heartbeat',
    )
    const text = await (await fetch(`${ingest.opsUrl}/metrics`)).text()
    const line = (name: string, device: string) =>
      new RegExp(`^${name}\\{device="${device}",borough="${BOROUGH}"[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1]
    expect(Number(line('streetsense_device_report_interval_seconds', DEVICE))).toBe(5)
    expect(Number(line('streetsense_device_last_seen_timestamp_seconds', DEVICE))).toBeGreaterThan(
      Date.now() / 1000 - 30,
    )
    expect(line('streetsense_device_outbox_depth', DEVICE)).toBeDefined()
    expect(line('streetsense_device_clock_synced', DEVICE)).toMatch(/^[01]$/)
    expect(text).toMatch(
      new RegExp(
        `^streetsense_device_update_state\\{device="${DEVICE}",borough="${BOROUGH}",version="0.1.0",state="healthy"\\} 1$`,
        'm',
      ),
    )
    // Registered and active but never connected: seen "when it went active", at the default interval.
    expect(Number(line('streetsense_device_report_interval_seconds', NEVER_SEEN))).toBe(60)
    expect(line('streetsense_device_last_seen_timestamp_seconds', NEVER_SEEN)).toBeDefined()
    expect(line('streetsense_device_outbox_depth', NEVER_SEEN)).toBeUndefined()
    expect(notified('firing')).toBe(false)
  })

  it('a device that goes silent raises DeviceOffline at the webhook; when it reports again the alert resolves', async () => {
    await stopAgent(agent!)
    agent = undefined
    await waitFor(() => notified('firing'), 60_000, 'DeviceOffline delivered')
    const firing = webhook.received
      .flatMap((n) => n.alerts)
      .find((a) => a.labels.device === DEVICE && a.status === 'firing')!
    expect(firing.labels).toMatchObject({
      alertname: 'DeviceOffline',
      severity: 'warning',
      borough: BOROUGH,
      job: 'streetsense-ingest',
    })
    expect(firing.annotations.summary).toMatch(new RegExp(`^Device ${DEVICE} \\(${BOROUGH}\\) silent for [\\d.]+s$`))

    agent = spawnAgent(configFile)
    await waitFor(() => notified('resolved'), 60_000, 'DeviceOffline resolved')
    expect(
      (await prometheus.query(`ALERTS{alertname="DeviceOffline", device="${DEVICE}", alertstate="firing"}`)).length,
    ).toBe(0)
  })
})
