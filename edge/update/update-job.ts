/**
 * The agent's side of an update command. It checks the signed manifest against the node's pinned
 * release key before anything else (update-command.ts: bad signature, another key, expired, not
 * newer, a version that failed here before, an origin it does not trust: refused), then, in the
 * background, downloads the payload from the platform (download.ts: resumable, never more than
 * the manifest's length, credentials only to the origins the node config lists), checks length
 * and hash (verifyRelease), and hands the release to the root updater through the inbox (handoff.ts). The updater restarts the agent;
 * whichever agent runs afterwards (the new release, or the old one after a rollback) reads the
 * outcome for the command id in update-state.json and answers it. Progress survives restarts in
 * <dataDir>/update/job.json, and the heartbeat reports it (pending, downloading).
 */
import { readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Logger } from 'pino'
import { StreetsenseError } from '../../core/index.js'
import type { DeviceStatus, UpdateCommand } from '../../schemas/index.js'
import type { EdgeConfig } from '../config.js'
import type { Answer } from '../publish/commands.js'
import { download } from './download.js'
import { writeRequest } from './handoff.js'
import { MANIFEST_FILE, type ReleaseManifest, SIGNATURE_FILE, verifyRelease } from './manifest.js'
import { readUpdateState, writeFileAtomic } from './state.js'
import { answerOf, checkUpdateCommand, refusedAnswer, releaseKeyOf } from './update-command.js'

/** How long a handed-over release may wait for the updater before the job gives up. */
export const HANDOFF_TIMEOUT_MS = 10 * 60_000

type JobState = 'pending' | 'downloading' | 'handed_off' | 'done'

interface Job {
  commandId: string
  version: string
  url: string
  expiresAt: string
  state: JobState
  /** Set when done: what the heartbeat reports when the failure happened on the agent's side. */
  failure?: string
  installedReported?: boolean
  time: string
}

export interface UpdateJobDeps {
  config: Pick<EdgeConfig, 'dataDir' | 'update' | 'updateStateFile' | 'broker' | 'sensor'>
  log: Logger
  now(): number
  version(): string
}

export type Report = (answer: Answer) => void

export class UpdateJobs {
  private readonly file: string
  private timer: NodeJS.Timeout | undefined
  private stopped = false

  constructor(private readonly deps: UpdateJobDeps) {
    this.file = join(deps.config.dataDir, 'update', 'job.json')
  }

  /** The first answer to an update command: accepted (work goes on) or refused. */
  start(command: UpdateCommand, report: Report): Answer {
    const open = this.read()
    if (open && open.state !== 'done') {
      const busy = new StreetsenseError(
        'IOT_EDGE_UPDATE_BUSY',
        `busy: the update to ${open.version} (command ${open.commandId}) is in progress`,
      )
      return refusedAnswer(busy)
    }
    let manifest: ReleaseManifest
    try {
      manifest = checkUpdateCommand(command, this.deps)
    } catch (err) {
      if (!(err instanceof StreetsenseError)) throw err
      const version = /"version":\s*"([^"]{1,64})"/.exec(command.manifest)?.[1]
      if (err.code === 'IOT_EDGE_UPDATE_REFUSED' && err.field === 'version' && version === this.deps.version()) {
        return { status: 'done', reason: `already running ${version}`, detail: { state: 'healthy', version } }
      }
      this.write({
        commandId: command.id,
        version: version ?? '?',
        url: command.url,
        expiresAt: command.expires_at,
        state: 'done',
        failure: err.message,
        time: this.iso(),
      })
      return refusedAnswer(err, version)
    }
    const job: Job = {
      commandId: command.id,
      version: manifest.version,
      url: command.url,
      expiresAt: command.expires_at,
      state: 'pending',
      time: this.iso(),
    }
    this.write(job)
    void this.fetch(job, manifest, command, report)
    return { status: 'accepted', detail: { state: 'pending', version: manifest.version } }
  }

  /** At agent start: carries on with an open job (resumes a download, or waits for the updater). */
  resume(report: (commandId: string) => Report): void {
    const job = this.read()
    if (!job || job.state === 'done') return
    if (job.state === 'handed_off') {
      this.watch(job, report(job.commandId))
      return
    }
    const dir = this.staging(job.version)
    try {
      const bytes = readFileSync(join(dir, MANIFEST_FILE))
      const signature = readFileSync(join(dir, SIGNATURE_FILE), 'utf8').trim()
      const manifest = JSON.parse(bytes.toString('utf8')) as ReleaseManifest
      const command = {
        command: 'update',
        id: job.commandId,
        expires_at: job.expiresAt,
        url: job.url,
        manifest: bytes.toString('utf8'),
        signature,
      } as UpdateCommand
      void this.fetch(job, manifest, command, report(job.commandId))
    } catch (err) {
      this.finish(
        job,
        report(job.commandId),
        refusedAnswer(
          new StreetsenseError('IOT_EDGE_UPDATE_FAILED', `the update could not resume: ${(err as Error).message}`),
          job.version,
        ),
      )
    }
  }

  /** The heartbeat's view while the agent owns the update (pending, downloading, or failed here). */
  report():
    | { state: NonNullable<DeviceStatus['update']>['state']; version: string; reason?: string; time: string }
    | undefined {
    const job = this.read()
    if (!job) return undefined
    if (job.state === 'done')
      return job.failure
        ? { state: 'failed', version: job.version, reason: job.failure.slice(0, 500), time: job.time }
        : undefined
    return { state: job.state === 'pending' ? 'pending' : 'downloading', version: job.version, time: job.time }
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
  }

  private async fetch(job: Job, manifest: ReleaseManifest, command: UpdateCommand, report: Report): Promise<void> {
    const { config, log } = this.deps
    const dir = this.staging(manifest.version)
    try {
      writeFileAtomic(join(dir, MANIFEST_FILE), command.manifest)
      writeFileAtomic(join(dir, SIGNATURE_FILE), `${command.signature}\n`)
      this.write({ ...job, state: 'downloading', time: this.iso() })
      report({
        status: 'accepted',
        detail: { state: 'downloading', version: manifest.version, bytes: manifest.length },
      })
      const ca = config.update.ca ?? config.broker.tls?.ca
      await download({
        url: command.url,
        file: join(dir, manifest.file),
        length: manifest.length,
        auth: { username: config.broker.username ?? config.sensor.id, password: config.broker.password ?? '' },
        ...(ca ? { ca: readFileSync(ca) } : {}),
        until: Date.parse(job.expiresAt),
        onRetry: (err, attempt) =>
          log.warn({ err: err.message, attempt, url: command.url }, 'update download interrupted; resuming'),
      })
      await verifyRelease(dir, {
        publicKey: releaseKeyOf(this.deps.config),
        kind: 'agent',
        installed: this.deps.version(),
      })
    } catch (err) {
      if (this.stopped) return
      const e =
        err instanceof StreetsenseError ? err : new StreetsenseError('IOT_EDGE_UPDATE_DOWNLOAD', (err as Error).message)
      const answer =
        e.code === 'IOT_EDGE_UPDATE_REFUSED'
          ? refusedAnswer(e, manifest.version)
          : { ...refusedAnswer(e, manifest.version), status: 'failed' as const }
      this.finish(job, report, answer)
      return
    }
    if (this.stopped) return
    const handed: Job = { ...job, state: 'handed_off', time: this.iso() }
    writeRequest(config.update.inbox, {
      commandId: job.commandId,
      version: manifest.version,
      dir: resolve(dir),
      sensor: config.sensor.id,
      time: handed.time,
    })
    this.write(handed)
    log.info(
      { version: manifest.version, command: job.commandId },
      'release fetched and checked; handed to the updater',
    )
    this.watch(handed, report)
  }

  /** Polls update-state.json for the updater's progress and outcome on this command. */
  private watch(job: Job, report: Report): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = setInterval(() => this.poll(job, report), 1000)
    this.timer.unref()
    this.poll(job, report)
  }

  private poll(job: Job, report: Report): void {
    const state = readUpdateState(this.deps.config.updateStateFile)
    const outcome = state.requests.find((r) => r.commandId === job.commandId)
    if (outcome) {
      this.finish(job, report, answerOf(outcome))
      return
    }
    if (state.state === 'installed' && state.trial?.commandId === job.commandId) {
      if (!job.installedReported) {
        job.installedReported = true
        this.write(job)
        report({ status: 'accepted', detail: { state: 'installed', version: job.version } })
      }
      return
    }
    if (this.deps.now() - Date.parse(job.time) > HANDOFF_TIMEOUT_MS && !job.installedReported) {
      const err = new StreetsenseError(
        'IOT_EDGE_UPDATE_FAILED',
        'the updater did not take the release within 10 minutes (is streetsense-update.path enabled?)',
      )
      this.finish(job, report, { ...refusedAnswer(err, job.version), status: 'failed' })
    }
  }

  private finish(job: Job, report: Report, answer: Answer): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    const failedHere = answer.detail?.state === 'failed' && job.state !== 'handed_off'
    this.write({ ...job, state: 'done', ...(failedHere ? { failure: answer.reason } : {}), time: this.iso() })
    rmSync(this.staging(job.version), { recursive: true, force: true })
    this.deps.log.info({ command: job.commandId, version: job.version, ...answer }, 'update finished')
    report(answer)
  }

  private staging(version: string): string {
    return join(this.deps.config.dataDir, 'update', version)
  }

  private read(): Job | undefined {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as Job
    } catch {
      return undefined
    }
  }

  private write(job: Job): void {
    writeFileAtomic(this.file, `${JSON.stringify(job)}\n`)
  }

  private iso(): string {
    return new Date(this.deps.now()).toISOString()
  }
}
