/**
 * The alert rules and the monitoring configuration as shipped (deploy/prometheus/), checked by
 * Debian's promtool and amtool: the rules parse, their unit tests (streetsense.rules.test.yml:
 * each alert fires when it should, with its labels and summary, and stays quiet when it should)
 * pass, and the compose services scrape the ports the broker and the ingest listen on.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const run = promisify(execFile)
const dir = 'deploy/prometheus'

describe('alert rules (promtool)', () => {
  it('promtool check rules finds every rule valid', async () => {
    const { stdout } = await run('promtool', ['check', 'rules', `${dir}/rules/streetsense.rules.yml`])
    expect(stdout).toMatch(/SUCCESS: 12 rules found/)
  })

  it('promtool test rules passes every case', async () => {
    const result = await run('promtool', ['test', 'rules', 'streetsense.rules.test.yml'], {
      cwd: `${dir}/rules`,
    }).catch((err: { stdout: string; stderr: string }) => err)
    expect(`${result.stdout}${result.stderr}`).toMatch(/SUCCESS/)
    // Every alert has at least one case.
    const rules = parse(readFileSync(`${dir}/rules/streetsense.rules.yml`, 'utf8')) as {
      groups: { rules: { alert: string }[] }[]
    }
    const tests = readFileSync(`${dir}/rules/streetsense.rules.test.yml`, 'utf8')
    for (const { alert } of rules.groups.flatMap((g) => g.rules)) expect(tests, alert).toContain(`alertname: ${alert}`)
  })

  it('the Prometheus and Alertmanager configs are valid and scrape what compose runs', async () => {
    await run('promtool', ['check', 'config', `${dir}/prometheus.yml`])
    await run('amtool', ['check-config', `${dir}/alertmanager.yml`])
    const prom = parse(readFileSync(`${dir}/prometheus.yml`, 'utf8')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[]
    }
    const targets = Object.fromEntries(prom.scrape_configs.map((c) => [c.job_name, c.static_configs[0]!.targets[0]]))
    const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string>; volumes?: string[] }>
    }
    const env = (s: string) => compose.services[s]!.environment!
    expect(targets).toEqual({
      'streetsense-broker': `broker:${env('broker').STREETSENSE_METRICS_PORT}`,
      // The ingest's metrics are on its operator port, which compose opens to its network only.
      'streetsense-ingest': `ingest:${env('ingest').STREETSENSE_OPS_PORT}`,
    })
    expect(env('broker').STREETSENSE_METRICS_HOST).toBe('0.0.0.0')
    expect(env('ingest').STREETSENSE_OPS_HOST).toBe('0.0.0.0')
    expect(compose.services.prometheus!.volumes).toContain('./deploy/prometheus:/etc/prometheus:ro')
    expect(compose.services.alertmanager!.volumes).toContain(
      './deploy/prometheus/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro',
    )
  })
})
