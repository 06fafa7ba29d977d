/**
 * The sensors on the register map, each one distinguishable at any screen width: sensors whose
 * markers would touch are drawn as one cluster showing how many they are, which links to the
 * borough's zoomed map (where they part) or to the list. The map scales uniformly, so what
 * touches in viewBox units touches at every width: grouping on the server is enough, and the
 * page works without JavaScript. No marker is ever drawn under another.
 */
import type { SensorRecord } from '../../registry/index.js'
import { boroughName } from '../../schemas/index.js'
import { esc } from './html.js'
import type { LondonMap } from './london-map.js'

export const KIND_LABEL: Record<string, string> = { air: 'Air quality', traffic: 'Traffic' }
/** A cluster's circle is this much larger than a marker's. */
const CLUSTER_SCALE = 1.4

export interface MapGroup {
  x: number
  y: number
  members: SensorRecord[]
}

/**
 * Greedy grouping around anchors: a sensor joins the first group whose anchor is nearer than two
 * cluster radii, else it anchors a new group. Anchors are therefore at least that far apart, so
 * no two drawn circles overlap. Air sensors are placed first, so none ends up inside a traffic group
 * by the order of the register alone.
 */
export function groupMarkers(map: LondonMap, records: SensorRecord[], radius: number): MapGroup[] {
  const apart = 2 * CLUSTER_SCALE * radius + radius * 0.2
  const ordered = [...records].sort((a, b) => kindRank(a) - kindRank(b) || a.entry.id.localeCompare(b.entry.id))
  const groups: MapGroup[] = []
  for (const r of ordered) {
    const [x, y] = map.project(r.entry.location.coordinates[0] as number, r.entry.location.coordinates[1] as number)
    const near = groups.find((g) => Math.hypot(g.x - x, g.y - y) < apart)
    if (near) near.members.push(r)
    else groups.push({ x, y, members: [r] })
  }
  return groups
}

const kindRank = (r: SensorRecord) => (r.entry.kind === 'air' ? 0 : 1)

function markerLabel(r: SensorRecord): string {
  const e = r.entry
  return `${e.name} (${KIND_LABEL[e.kind]}, ${boroughName(e.borough)}${e.status === 'retired' ? ', retired' : ''})`
}

function marker(g: MapGroup, radius: number): string {
  const e = g.members[0]!.entry
  const label = markerLabel(g.members[0]!)
  return `<a href="/sensors/${encodeURIComponent(e.id)}" class="marker ${esc(e.kind)} status-${esc(e.status)}" data-sensor="${esc(e.id)}" aria-label="${esc(label)}"><title>${esc(label)}</title><circle cx="${g.x}" cy="${g.y}" r="${radius}"/></a>`
}

/** Where a cluster leads: its borough's map when that spreads it out, else the list in words. */
function clusterLink(g: MapGroup, zoomedTo: string | undefined): string {
  const counts = new Map<string, number>()
  for (const m of g.members) counts.set(m.entry.borough, (counts.get(m.entry.borough) ?? 0) + 1)
  const [borough] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!
  return borough === zoomedTo ? '#list-title' : `/?borough=${encodeURIComponent(borough)}`
}

function cluster(g: MapGroup, radius: number, zoomedTo: string | undefined): string {
  const n = g.members.length
  const names = g.members.map(markerLabel).join('; ')
  const label = `${n} sensors close together: ${names}`
  const kinds = new Set(g.members.map((m) => m.entry.kind))
  const kind = kinds.size === 1 ? [...kinds][0] : 'mixed'
  const r = Math.round(radius * CLUSTER_SCALE * 10) / 10
  const ids = g.members.map((m) => m.entry.id).join(' ')
  return `<a href="${esc(clusterLink(g, zoomedTo))}" class="cluster ${esc(kind)}" data-sensors="${esc(ids)}" data-count="${n}" aria-label="${esc(label)}"><title>${esc(label)}</title><circle cx="${g.x}" cy="${g.y}" r="${r}"/><text x="${g.x}" y="${g.y}" font-size="${Math.round(r * 1.1 * 10) / 10}" dy="0.35em" text-anchor="middle">${n}</text></a>`
}

/** The markers and clusters of the shown sensors, traffic drawn before air. */
export function mapMarkers(map: LondonMap, shown: SensorRecord[], radius: number, zoomedTo?: string): string {
  return groupMarkers(map, shown, radius)
    .sort((a, b) => kindRank(b.members[0]!) - kindRank(a.members[0]!))
    .map((g) => (g.members.length === 1 ? marker(g, radius) : cluster(g, radius, zoomedTo)))
    .join('')
}
