/**
 * A check thread: parses, validates and encodes messages (check-message.ts) off the ingest's main
 * thread. Messages arrive in batches with the sensor's registry entry already looked up; results
 * go back in the same order.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { type Checked, type CheckJob, checkWithEntry } from './check-message.js'

const { maxPayloadBytes } = workerData as { maxPayloadBytes: number }

function checkOne(job: CheckJob): Checked | { crashed: string } {
  const payload =
    typeof job.payload === 'string'
      ? job.payload
      : Buffer.from(job.payload.buffer, job.payload.byteOffset, job.payload.byteLength)
  try {
    return checkWithEntry(job.expected, payload, job.info, maxPayloadBytes)
  } catch (err) {
    // A bug, not bad input (bad input is a Rejected result): the main thread logs it and quarantines.
    return { crashed: (err as Error).stack ?? String(err) }
  }
}

const encoder = new TextEncoder()

parentPort?.on('message', (jobs: CheckJob[]) => {
  const results = jobs.map(checkOne)
  // Lines go back as UTF-8 bytes, transferred, not copied: the spool stores and the writer posts
  // bytes, so the main thread never encodes them. (TextEncoder, not Buffer.from: a small Buffer
  // shares Node's pool, which must not be transferred.)
  const transfer: ArrayBuffer[] = []
  for (const r of results) {
    if ('ok' in r && r.ok && typeof r.lines === 'string') {
      const bytes = encoder.encode(r.lines)
      ;(r as { lines: unknown }).lines = bytes
      transfer.push(bytes.buffer as ArrayBuffer)
    }
    if ('ok' in r && r.ok && r.qc) transfer.push(r.qc.rows.buffer as ArrayBuffer)
  }
  parentPort?.postMessage(results, transfer)
})
// Schemas are compiled at import: from here on the thread answers at full speed.
parentPort?.postMessage('ready')
