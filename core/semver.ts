/**
 * Release versions are semantic versions (MAJOR.MINOR.PATCH, an optional -prerelease, build
 * metadata ignored). A node installs only a version greater than the one it runs: a signed but
 * older release is a rollback attack (TUF), and an equal one is nothing to do.
 */

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$/

export const SEMVER_PATTERN = SEMVER.source

interface Parsed {
  core: [number, number, number]
  pre: string[]
}

function parse(version: string): Parsed | undefined {
  const m = SEMVER.exec(version)
  if (!m) return undefined
  return { core: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] ? m[4].split('.') : [] }
}

export function isSemver(version: string): boolean {
  return parse(version) !== undefined
}

function comparePre(a: string[], b: string[]): number {
  // A version without a prerelease ranks above the same version with one (1.0.0 > 1.0.0-rc.1).
  if (a.length === 0 || b.length === 0) return b.length - a.length
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i]
    const y = b[i]
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1
    if (x === y) continue
    const nx = /^\d+$/.test(x)
    const ny = /^\d+$/.test(y)
    if (nx && ny) return Number(x) - Number(y)
    if (nx !== ny) return nx ? -1 : 1
    return x < y ? -1 : 1
  }
  return 0
}

/** Negative, zero or positive as a is older than, equal to or newer than b. Throws on a non-semver. */
export function compareVersions(a: string, b: string): number {
  const pa = parse(a)
  const pb = parse(b)
  if (!pa || !pb) throw new Error(`not a semantic version: ${pa ? b : a}`)
  for (let i = 0; i < 3; i++) {
    const d = pa.core[i]! - pb.core[i]!
    if (d !== 0) return Math.sign(d)
  }
  return Math.sign(comparePre(pa.pre, pb.pre))
}
