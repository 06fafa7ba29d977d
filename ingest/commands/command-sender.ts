/**
 * The platform's one way of sending a command to a device. `sendCommand()` (the ingest's gap
 * repair) writes the command to the registry's commands table and publishes it on the command
 * link; the admin API writes queued commands there itself (the register may run in another
 * process) and the sender picks them up: every `commandPollMs`, on `wake()`, and after every
 * reconnect. A queued command is sent while it has not expired and while whoever issued it may
 * still command that device (registry/command-rights.ts, the rule the broker enforces), so the
 * ingest never publishes what the broker would refuse.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { StreetsenseError } from '../../core/index.js'
import {
  type Account,
  type CommandArgs,
  type CommandName,
  type CommandRecord,
  commandsBorough,
  deviceCommandOf,
  issuerMayCommand,
  type NewCommand,
  type Registry,
  SERVICE_COMMANDS,
} from '../../registry/index.js'
import { buildTopic } from '../../schemas/index.js'
import type { IngestConfig } from '../config.js'
import type { CommandLink } from './command-link.js'
import type { CommandMetrics } from './command-metrics.js'

export interface CommandRequest {
  sensor: string
  command: CommandName
  /** The command's own fields: `{ interval }` for set_interval, `{ from, to }` for resend. */
  args?: CommandArgs
  /** Seconds until the device must refuse it; default `commandExpirySeconds`. */
  expiresInSeconds?: number
  /** Who asks (the audit actor); default the ingest's MQTT account. */
  by?: string
}

export type SenderConfig = Pick<IngestConfig, 'boroughs' | 'commandExpirySeconds' | 'mqttUsername' | 'instance'>

const MAX_EXPIRY_SECONDS = 604_800
const PICK_UP_AT_ONCE = 100
/** How long sendCommand waits for the broker's PUBACK before it answers with the queued record. */
const ACK_WAIT_MS = 10_000

const refused = (message: string, field: string) => new StreetsenseError('IOT_INGEST_COMMAND_REFUSED', message, field)

export class CommandSender {
  private readonly inFlight = new Set<string>()
  private readonly username: string

  constructor(
    private readonly config: SenderConfig,
    private readonly registry: Registry,
    private readonly link: CommandLink,
    private readonly metrics: CommandMetrics,
    private readonly log: Logger,
  ) {
    this.username = config.mqttUsername ?? config.instance
  }

  /**
   * Records the command and publishes it. Resolves with its record: state `sent` once the broker
   * acknowledged it, `queued` when the broker cannot be reached now or has not acknowledged it
   * within 10 s (it goes on reconnect, unless it expires first). Throws
   * IOT_INGEST_COMMAND_REFUSED (with the field) for a command it will not send: unknown or
   * retired sensor, outside its boroughs, one it may not send on its own, bad arguments.
   */
  async sendCommand(request: CommandRequest): Promise<CommandRecord> {
    const record = this.issue(request)
    if (this.link.connected) {
      let timer: NodeJS.Timeout | undefined
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ACK_WAIT_MS)
      })
      await Promise.race([this.publish(record), waited])
      clearTimeout(timer)
    }
    return this.registry.commands.get(record.id) ?? record
  }

  /**
   * Sends the queued commands of this ingest's boroughs (expiring the ones too old first); those
   * of other boroughs are another instance's.
   */
  sendQueued(): void {
    if (!this.link.connected) return
    const { commands } = this.registry
    this.metrics.expired.inc(commands.expireQueued())
    const own = this.ownAccount()
    const boroughs = this.config.boroughs.length > 0 ? this.config.boroughs : (own?.boroughs ?? [])
    for (const record of commands.queued(boroughs, PICK_UP_AT_ONCE)) {
      if (this.inFlight.has(record.id) || !this.inScope(own, record.borough)) continue
      if (this.issuedWithRight(record)) {
        void this.publish(record)
        continue
      }
      commands.cancel(record.id)
      this.metrics.cancelled.inc()
      this.log.warn(
        { id: record.id, sensor: record.sensor, by: record.by },
        'command cancelled: issuer may not command it',
      )
    }
  }

  private issue(request: CommandRequest): CommandRecord {
    const entry = this.registry.getSensor(request.sensor)?.entry
    if (!entry) throw refused(`no sensor ${request.sensor} in the register`, 'sensor')
    if (entry.status === 'retired') throw refused(`sensor ${request.sensor} is retired`, 'sensor')
    if (!this.inScope(this.ownAccount(), entry.borough)) {
      throw refused(`sensor ${request.sensor} is in ${entry.borough}, not in this ingest's boroughs`, 'sensor')
    }
    const seconds = request.expiresInSeconds ?? this.config.commandExpirySeconds
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_EXPIRY_SECONDS) {
      throw refused(`expiresInSeconds must be an integer from 1 to ${MAX_EXPIRY_SECONDS}`, 'expiresInSeconds')
    }
    const now = Date.now()
    const command: NewCommand = {
      id: randomUUID(),
      sensor: request.sensor,
      borough: entry.borough,
      command: request.command,
      args: request.args ?? {},
      by: request.by ?? this.username,
      issuedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + seconds * 1000).toISOString(),
    }
    if (!this.issuedWithRight(command)) {
      throw refused(`the ingest sends only ${SERVICE_COMMANDS.join(' and ')} on its own`, 'command')
    }
    return this.throughRegistry(() => this.registry.commands.issue(command, command.by))
  }

  private ownAccount(): Account | undefined {
    return this.registry.getAccount(this.username)
  }

  /** Its configured boroughs, and the boroughs its account may command (registry/command-rights.ts). */
  private inScope(own: Account | undefined, borough: string): boolean {
    const { boroughs } = this.config
    if (boroughs.length > 0 && !boroughs.includes(borough)) return false
    return own === undefined || commandsBorough(own, borough)
  }

  /** The broker's rule: resend and status on its own account, anything else only for an operator. */
  private issuedWithRight(command: NewCommand): boolean {
    return SERVICE_COMMANDS.includes(command.command) || issuerMayCommand(this.registry.getAccount(command.by), command)
  }

  private throughRegistry<T>(write: () => T): T {
    try {
      return write()
    } catch (err) {
      if (err instanceof StreetsenseError && err.code === 'IOT_REGISTRY_INVALID_ENTRY') {
        throw refused(err.message, err.field ?? 'args')
      }
      throw err
    }
  }

  private async publish(record: NewCommand): Promise<void> {
    this.inFlight.add(record.id)
    try {
      const topic = buildTopic(record.borough, record.sensor, 'cmd')
      await this.link.publish(topic, JSON.stringify(deviceCommandOf(record)))
      this.registry.commands.markSent(record.id)
      this.metrics.sent.inc({ command: record.command })
      this.log.info({ id: record.id, sensor: record.sensor, command: record.command, by: record.by }, 'command sent')
    } catch (err) {
      this.log.warn({ err, id: record.id }, 'command not sent yet; it stays queued')
    } finally {
      this.inFlight.delete(record.id)
    }
  }
}
