/** A Server-Sent Events reader over plain HTTP, for the live feed tests: every event, as parsed. */
import { request } from 'node:http'

export interface SseEvent {
  id?: string
  event: string
  data: string
}

export interface SseStream {
  status: number
  headers: Record<string, string | string[] | undefined>
  events: SseEvent[]
  ended: boolean
  close(): void
}

/** Parses the `event:` / `id:` / `data:` fields of each blank-line-terminated block. */
export function parseBlocks(text: string): { events: SseEvent[]; rest: string } {
  const blocks = text.split('\n\n')
  const rest = blocks.pop() ?? ''
  const events: SseEvent[] = []
  for (const block of blocks) {
    const e: SseEvent = { event: 'message', data: '' }
    let any = false
    for (const line of block.split('\n')) {
      const m = /^(id|event|data): ?(.*)$/.exec(line)
      if (!m) continue
      any = true
      if (m[1] === 'data') e.data += m[2]
      else if (m[1] === 'id') e.id = m[2]
      else e.event = m[2]!
    }
    if (any && (e.data || e.id)) events.push(e)
  }
  return { events, rest }
}

export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const stream: SseStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        events: [],
        ended: false,
        close: () => req.destroy(),
      }
      let pending = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        const { events, rest } = parseBlocks(pending + chunk)
        pending = rest
        stream.events.push(...events)
      })
      res.on('end', () => {
        stream.ended = true
      })
      res.on('error', () => {
        stream.ended = true
      })
      resolve(stream)
    })
    req.on('error', reject)
    req.end()
  })
}
