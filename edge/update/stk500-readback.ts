/**
 * A real read-back for avrgirl-arduino's Uno flashes. avrgirl uses stk500 2.0.3, whose
 * verifyPage reads each page back (STK_READ_PAGE) but compares nothing, so a blank or half
 * written chip passes; and when that read times out it calls `data.toString()` on undefined,
 * which throws inside a timer: avrgirl's callback never runs and the flash hangs for ever (seen
 * in the emulator tests). This replaces verifyPage with one that compares the bytes read back
 * with the bytes written and reports a timeout as an error. Installed once per process.
 */
import { createRequire } from 'node:module'
import { avrgirlDir } from '../tools/flash.js'

const require = createRequire(import.meta.url)

type Done = (err?: Error | null, data?: Buffer) => void
type SendCommand = (
  stream: unknown,
  opt: Record<string, unknown>,
  cb: (err: Error | null, data?: Buffer) => void,
) => void

let installed = false

export function installStk500ReadBack(): void {
  if (installed) return
  const resolve = (id: string) => require.resolve(id, { paths: [avrgirlDir()] })
  const stk500 = require(resolve('stk500')) as { prototype: Record<string, unknown> }
  const sendCommand = require(resolve('stk500/lib/sendCommand')) as SendCommand
  const statics = require(resolve('stk500/lib/statics')) as Record<string, number>
  const INSYNC = statics.Resp_STK_INSYNC!
  const OK = statics.Resp_STK_OK!
  stk500.prototype.verifyPage = (stream: unknown, written: Buffer, pageSize: number, timeout: number, done: Done) => {
    const size = Math.min(written.length, pageSize)
    const expected = Buffer.concat([Buffer.from([INSYNC]), written.subarray(0, size), Buffer.from([OK])])
    const cmd = [statics.Cmnd_STK_READ_PAGE!, (size >> 8) & 0xff, size & 0xff, 0x46]
    sendCommand(stream, { cmd, responseLength: expected.length, timeout }, (err, data) => {
      if (err) return done(err)
      if (!data?.equals(expected)) return done(new Error(`read-back differs from what was written (${size} bytes)`))
      done(null, data)
    })
  }
  installed = true
}
