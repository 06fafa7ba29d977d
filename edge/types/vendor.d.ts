// Minimal typings for the untyped CommonJS hardware modules the edge agent uses.
declare module 'firmata-io' {
  import type { EventEmitter } from 'node:events'
  export class Firmata extends EventEmitter {
    constructor(transport: unknown, options?: Record<string, unknown>)
    firmware?: { name: string; version: { major: number; minor: number } }
    MODES: Record<string, number>
    pinMode(pin: number, mode: number): void
    digitalRead(pin: number, cb: (value: number) => void): void
    digitalWrite(pin: number, value: 0 | 1): void
    analogRead(pin: number, cb: (value: number) => void): void
    reportDigitalPin(pin: number, value: 0 | 1): void
    reportAnalogPin(pin: number, value: 0 | 1): void
    transport: { close?(cb?: () => void): void }
    isReady: boolean
  }
  const firmataIo: { Firmata: typeof Firmata }
  export default firmataIo
}
declare module 'johnny-five' {
  import type { EventEmitter } from 'node:events'
  export class Board extends EventEmitter {
    constructor(options: Record<string, unknown>)
    io: unknown
    isReady: boolean
    static purge(): void
  }
  export class Sensor extends EventEmitter {
    constructor(options: Record<string, unknown> | string)
    raw: number | null
    disable(): void
  }
  const five: { Board: typeof Board; Sensor: typeof Sensor }
  export default five
}
declare module 'avrgirl-arduino' {
  class Avrgirl {
    constructor(options: {
      board: string | Record<string, unknown>
      port?: string
      debug?: boolean
      manualReset?: boolean
    })
    flash(file: string | Buffer, cb: (err?: Error | null) => void): void
    static list(cb: (err: Error | null, ports: unknown[]) => void): void
    static listKnownBoards(): string[]
  }
  export default Avrgirl
}
