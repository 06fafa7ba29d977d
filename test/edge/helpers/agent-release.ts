/**
 * A node's install root in a temp directory for update tests: keys, agent releases built from
 * the real bundle (deploy/bundle-edge.ts + deploy/pack-edge-release.ts), and a restarter that
 * does what systemd does for the agent unit: stop the running agent process and start
 * <root>/current/main.mjs again (a real process, resolving the symlink at start as systemd does).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { bundleEdge } from '../../../deploy/bundle-edge.js'
import { packAgentRelease } from '../../../deploy/pack-edge-release.js'
import type { Restarter } from '../../../edge/update/restarter.js'

const run = promisify(execFile)

export interface AgentRestarter extends Restarter {
  readonly restarts: number
  pid(): number | undefined
  output(): string
  stop(): Promise<void>
}

/** Stops the agent (SIGTERM, wait) and starts `node <root>/current/main.mjs --config FILE`. */
export function processRestarter(root: string, configFile: string): AgentRestarter {
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()
  let out = ''
  let restarts = 0
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
  return {
    get restarts() {
      return restarts
    },
    pid: () => (child && child.exitCode === null && child.signalCode === null ? child.pid : undefined),
    output: () => out,
    stop,
    async restart() {
      await stop()
      restarts++
      const proc = spawn(process.execPath, [join(root, 'current', 'main.mjs'), '--config', configFile], {
        cwd: root,
        env: { ...process.env, STREETSENSE_LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      const append = (d: Buffer) => {
        out = (out + d.toString()).slice(-50_000)
      }
      proc.stdout!.on('data', append)
      proc.stderr!.on('data', append)
      child = proc
      exited = new Promise<void>((done) => proc.once('exit', () => done()))
    },
  }
}

/** The flaky release's entry: the real agent, unless the node's dataDir says this build fails here. */
const FLAKY_MAIN = `import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
const file = process.argv[process.argv.indexOf('--config') + 1]
const config = JSON.parse(readFileSync(file, 'utf8'))
if (existsSync(join(config.dataDir, 'fail-this-release'))) throw new Error('this build fails on this node')
const { runEdgeAgent } = await import('./agent.mjs')
await runEdgeAgent(file)
`

export interface ReleaseWorkshop {
  dir: string
  /** The node's install root (releases/, current, previous); npm packages resolve from root/node_modules. */
  root: string
  /** A .tar.gz payload of the real agent bundle announcing `version`. */
  agentPayload(version: string): Promise<string>
  /** A .tar.gz payload whose agent crashes at start (a broken build). */
  brokenPayload(version: string): Promise<string>
  /**
   * A .tar.gz payload of the real agent that crashes at start on nodes whose dataDir holds a file
   * `fail-this-release` (a fault that shows on some hardware only), and runs elsewhere.
   */
  flakyPayload(version: string): Promise<string>
  /** A fresh install root for one more node (its own releases/, current, previous). */
  nodeRoot(name: string): string
  remove(): void
}

export async function releaseWorkshop(): Promise<ReleaseWorkshop> {
  const dir = mkdtempSync(join(tmpdir(), 'ss-release-'))
  const root = join(dir, 'opt')
  mkdirSync(root)
  symlinkSync(resolve('node_modules'), join(root, 'node_modules'))
  const bundle = join(dir, 'bundle')
  await bundleEdge(bundle)
  return {
    dir,
    root,
    agentPayload: (version) =>
      packAgentRelease({ version, bundleDir: bundle, out: join(dir, `agent-${version}.tar.gz`) }),
    async brokenPayload(version) {
      const staging = join(dir, `broken-${version}`)
      mkdirSync(staging)
      writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'streetsense', version, type: 'module' }))
      writeFileSync(join(staging, 'main.mjs'), "throw new Error('this build is broken: it crashes at start')\n")
      const out = join(dir, `agent-${version}.tar.gz`)
      await run('tar', ['-czf', out, '-C', staging, '.'])
      return out
    },
    async flakyPayload(version) {
      const staging = join(dir, `flaky-${version}`)
      cpSync(bundle, staging, { recursive: true })
      renameSync(join(staging, 'main.mjs'), join(staging, 'agent.mjs'))
      writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'streetsense', version, type: 'module' }))
      writeFileSync(join(staging, 'main.mjs'), FLAKY_MAIN)
      const out = join(dir, `agent-${version}.tar.gz`)
      await run('tar', ['-czf', out, '-C', staging, '.'])
      return out
    },
    nodeRoot(name) {
      const nodeRoot = join(dir, 'nodes', name, 'opt')
      mkdirSync(nodeRoot, { recursive: true })
      symlinkSync(resolve('node_modules'), join(nodeRoot, 'node_modules'))
      return nodeRoot
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}
