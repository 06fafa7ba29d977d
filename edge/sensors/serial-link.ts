/**
 * A serial port that stays open: opens with serialport 13, reports unplugging (`close` with
 * disconnected) and reopens with a capped backoff until stopped. On open it calls `onOpen`, so the
 * driver can (re)send its start-up commands to a sensor that may have been power-cycled.
 */
import { SerialPort } from 'serialport'
import { StreetsenseError } from '../../core/index.js'

export interface SerialLinkOptions {
  path: string
  baudRate: number
  onData(chunk: Buffer): void
  onOpen(): void
  onFault(err: StreetsenseError): void
  retryMinMs?: number
  retryMaxMs?: number
}

export class SerialLink {
  private port: SerialPort | undefined
  private stopped = true
  private timer: NodeJS.Timeout | undefined
  private attempt = 0

  constructor(private readonly opts: SerialLinkOptions) {}

  get isOpen(): boolean {
    return this.port?.isOpen ?? false
  }

  start(): void {
    this.stopped = false
    this.open()
  }

  write(data: Buffer): void {
    if (this.port?.isOpen) this.port.write(data)
  }

  private open(): void {
    if (this.stopped) return
    const port = new SerialPort({ path: this.opts.path, baudRate: this.opts.baudRate, autoOpen: false })
    this.port = port
    port.on('data', (chunk: Buffer) => this.opts.onData(chunk))
    port.on('error', (err) =>
      this.opts.onFault(new StreetsenseError('IOT_EDGE_SERIAL_LOST', `${this.opts.path}: ${err.message}`)),
    )
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      if (this.stopped) return
      this.opts.onFault(
        new StreetsenseError(
          'IOT_EDGE_SERIAL_LOST',
          `${this.opts.path} closed${err?.disconnected ? ' (unplugged)' : ''}; reopening`,
        ),
      )
      this.retry()
    })
    port.open((err) => {
      if (err) {
        this.opts.onFault(new StreetsenseError('IOT_EDGE_SERIAL_OPEN', `cannot open ${this.opts.path}: ${err.message}`))
        this.retry()
        return
      }
      this.attempt = 0
      this.opts.onOpen()
    })
  }

  private retry(): void {
    if (this.stopped || this.timer) return
    const min = this.opts.retryMinMs ?? 250
    // Reopening a local tty is cheap, so the wait stays short: a re-seated sensor reads again within seconds.
    const delay = Math.min(this.opts.retryMaxMs ?? 5_000, min * 2 ** this.attempt)
    this.attempt = Math.min(this.attempt + 1, 16)
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.open()
    }, delay)
  }

  async stop(finalWrite?: Buffer): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    const port = this.port
    this.port = undefined
    if (!port?.isOpen) return
    if (finalWrite) await new Promise<void>((resolve) => port.write(finalWrite, () => port.drain(() => resolve())))
    await new Promise<void>((resolve) => port.close(() => resolve()))
  }
}
