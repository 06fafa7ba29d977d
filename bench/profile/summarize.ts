/**
 * Reads the .cpuprofile files Node writes under --cpu-prof and says where the time went: self
 * time per function (file:line function), time per package or repository file, and inclusive
 * time of the repository's own functions (a hook with everything it calls). Percentages are of
 * the busy time (samples that were not idle). A window keeps only the samples of the loaded
 * part (start-up, module loading and settings checks are not the hot path). Files that tsx
 * compiled have no useful line numbers, so they are named by file and function.
 *   node --import tsx bench/profile/summarize.ts <dir> [top]
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  samples: number[]
  timeDeltas: number[]
}

/** Only samples taken in this span count (µs of CLOCK_MONOTONIC: process.hrtime.bigint() / 1000n). */
export interface ProfileWindow {
  fromUs: number
  toUs: number
}

export interface ProfileRow {
  what: string
  ms: number
  share: number
}

export interface ProfileSummary {
  files: number
  busyMs: number
  self: ProfileRow[]
  byFile: ProfileRow[]
  ownInclusive: ProfileRow[]
}

const ROOT = join(import.meta.dirname, '..', '..')
const IDLE = new Set(['(idle)'])

function place(url: string): string {
  if (!url) return ''
  const path = url.replace(/^file:\/\//, '')
  const nm = path.lastIndexOf('/node_modules/')
  if (nm >= 0) {
    const rest = path.slice(nm + 14).split('/')
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  if (path.startsWith('node:')) return 'node (built-in modules)'
  return path.startsWith('/') ? relative(ROOT, path) : path
}

function frameKey(f: CallFrame): string {
  if (!f.url) return f.functionName
  const where = place(f.url)
  const line = f.url.endsWith('.ts') ? '' : `:${f.lineNumber + 1}`
  return `${where}${line} ${f.functionName || '(anonymous)'}`
}
const isOwn = (f: CallFrame) => f.url.startsWith('file://') && !f.url.includes('/node_modules/')

type Totals = { self: Map<string, number>; byFile: Map<string, number>; own: Map<string, number> }

function addProfile(p: CpuProfile, acc: Totals, window?: ProfileWindow) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  let busy = 0
  let t = p.startTime
  p.samples.forEach((id, i) => {
    t += p.timeDeltas[i] ?? 0
    if (window && (t < window.fromUs || t > window.toUs)) return
    const node = byId.get(id)
    const dt = (p.timeDeltas[i] ?? 0) / 1000
    if (!node || IDLE.has(node.callFrame.functionName) || dt <= 0) return
    busy += dt
    const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + dt)
    add(acc.self, frameKey(node.callFrame))
    add(acc.byFile, place(node.callFrame.url) || node.callFrame.functionName)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame
      if (isOwn(f) && !seen.has(frameKey(f))) {
        seen.add(frameKey(f))
        add(acc.own, frameKey(f))
      }
    }
  })
  return busy
}

export function summarizeProfiles(dir: string, top = 20, window?: ProfileWindow): ProfileSummary {
  const acc = { self: new Map<string, number>(), byFile: new Map<string, number>(), own: new Map<string, number>() }
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))
  let busyMs = 0
  for (const f of files) busyMs += addProfile(JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile, acc, window)
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([what, ms]) => ({ what, ms, share: ms / busyMs }))
  return { files: files.length, busyMs, self: rows(acc.self), byFile: rows(acc.byFile), ownInclusive: rows(acc.own) }
}

export function profileMarkdown(name: string, s: ProfileSummary): string {
  const table = (title: string, rows: ProfileRow[]) =>
    `| ${title} | ms | % of busy |\n| --- | ---: | ---: |\n${rows.map((r) => `| \`${r.what}\` | ${Math.round(r.ms)} | ${(r.share * 100).toFixed(1)} |`).join('\n')}`
  return `#### ${name}: ${Math.round(s.busyMs).toLocaleString('en-GB')} ms busy in ${s.files} profile(s)

${table('self time: function', s.self)}

${table('self time: package or file', s.byFile)}

${table("inclusive time: the repository's functions", s.ownInclusive)}
`
}

if (process.argv[1] === import.meta.filename) {
  const dir = process.argv[2]!
  console.log(profileMarkdown(dir, summarizeProfiles(dir, Number(process.argv[3] ?? 20))))
}
