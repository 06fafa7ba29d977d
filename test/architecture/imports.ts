/**
 * Reads the import graph of the source folders as text (import/export ... from, import(), new URL
 * with import.meta.url) so a test can hold the layering of docs/architecture.md against the code.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, posix, relative } from 'node:path'

/** The stages from the ground floor up; a stage may import only stages on a lower floor. */
export const FLOORS: readonly (readonly string[])[] = [
  ['schemas'],
  ['core'],
  ['registry', 'edge'],
  ['broker'],
  ['ingest'],
  ['register'],
  ['dashboards'],
  ['cli', 'deploy'],
]

export const STAGES = FLOORS.flat()

export function floorOf(stage: string): number {
  return FLOORS.findIndex((floor) => floor.includes(stage))
}

export interface ImportEdge {
  from: string
  to: string
  typeOnly: boolean
}

const IMPORT =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'(\.{1,2}\/[^']+)'|import\(\s*'(\.{1,2}\/[^']+)'\s*\)|new URL\(\s*'(\.{1,2}\/[^']+)',\s*import\.meta\.url/g

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (name === 'node_modules' || name === 'vendor') continue
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path))
    else if (/\.(ts|js)$/.test(name) && !name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** Every relative import of every source file of the stages, as paths relative to root. */
export function importEdges(root: string): ImportEdge[] {
  const edges: ImportEdge[] = []
  for (const stage of STAGES) {
    for (const file of sourceFiles(join(root, stage))) {
      const from = relative(root, file).split('\\').join('/')
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[3] ?? m[4] ?? m[5]
        if (!spec) continue
        const to = posix.normalize(posix.join(posix.dirname(from), spec)).replace(/\.js$/, '.ts')
        edges.push({ from, to, typeOnly: Boolean(m[2]) })
      }
    }
  }
  return edges
}

export const stageOf = (path: string): string => path.split('/')[0] ?? ''

/** The one public module of a stage: what other stages may import. */
export const publicModule = (stage: string): string => `${stage}/index.ts`
