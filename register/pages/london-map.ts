/**
 * London's 33 boroughs as inline SVG, from the bundled londonBoroughs TopoJSON (vega-datasets,
 * OGL v3): decoded once, projected equirectangularly with the longitude scaled by cos(51.5°), which
 * is faithful enough at city scale and needs no projection library.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

interface Topology {
  bbox: [number, number, number, number]
  transform: { scale: [number, number]; translate: [number, number] }
  objects: { boroughs: { geometries: { type: string; id: string; arcs: number[][] | number[][][] }[] } }
  arcs: [number, number][][]
}

const TOPOLOGY_PATH = fileURLToPath(new URL('../static/vendor/londonBoroughs.json', import.meta.url))

export const MAP_WIDTH = 800
const K = Math.cos((51.5 * Math.PI) / 180)

export interface LondonMap {
  width: number
  height: number
  boroughs: { name: string; path: string; box: [number, number, number, number]; rings: [number, number][][] }[]
  project(lon: number, lat: number): [number, number]
  unproject(x: number, y: number): [number, number]
}

let cached: LondonMap | undefined

export function londonMap(): LondonMap {
  if (cached) return cached
  const topo = JSON.parse(readFileSync(TOPOLOGY_PATH, 'utf8')) as Topology
  const [minLon, minLat, maxLon, maxLat] = topo.bbox
  const scale = MAP_WIDTH / ((maxLon - minLon) * K)
  const height = Math.ceil((maxLat - minLat) * scale)
  const project = (lon: number, lat: number): [number, number] => [
    Math.round((lon - minLon) * K * scale * 10) / 10,
    Math.round((maxLat - lat) * scale * 10) / 10,
  ]
  const unproject = (x: number, y: number): [number, number] => [x / (K * scale) + minLon, maxLat - y / scale]
  // Arcs are quantised and delta-encoded: decode each once into absolute projected points.
  const [sx, sy] = topo.transform.scale
  const [tx, ty] = topo.transform.translate
  const arcs = topo.arcs.map((arc) => {
    let x = 0
    let y = 0
    return arc.map(([dx, dy]) => {
      x += dx
      y += dy
      return project(x * sx + tx, y * sy + ty)
    })
  })
  const ring = (indices: number[], box: number[], rings: [number, number][][]): string => {
    const points: [number, number][] = []
    for (const i of indices) {
      const arc = i >= 0 ? arcs[i]! : [...arcs[~i]!].reverse()
      points.push(...(points.length ? arc.slice(1) : arc))
    }
    for (const [x, y] of points) {
      box[0] = Math.min(box[0]!, x)
      box[1] = Math.min(box[1]!, y)
      box[2] = Math.max(box[2]!, x)
      box[3] = Math.max(box[3]!, y)
    }
    rings.push(points)
    return `M${points.map(([x, y]) => `${x},${y}`).join('L')}Z`
  }
  const boroughs = topo.objects.boroughs.geometries.map((g) => {
    const polygons = (g.type === 'MultiPolygon' ? g.arcs : [g.arcs]) as number[][][]
    const box = [Infinity, Infinity, -Infinity, -Infinity]
    const rings: [number, number][][] = []
    const path = polygons.map((polygon) => polygon.map((r) => ring(r, box, rings)).join('')).join('')
    return { name: g.id, path, box: box as [number, number, number, number], rings }
  })
  cached = { width: MAP_WIDTH, height, boroughs, project, unproject }
  return cached
}

/** A viewBox around one borough (with a margin, in the map's aspect ratio), and the scale against the whole map. */
export function boroughView(map: LondonMap, name: string | undefined): { viewBox: string; scale: number } {
  const whole = { viewBox: `0 0 ${map.width} ${map.height}`, scale: 1 }
  const b = map.boroughs.find((x) => x.name === name)
  if (!b) return whole
  const [x0, y0, x1, y1] = b.box
  const aspect = map.width / map.height
  let w = (x1 - x0) * 1.3
  let h = (y1 - y0) * 1.3
  if (w / h > aspect) h = w / aspect
  else w = h * aspect
  const cx = (x0 + x1) / 2
  const cy = (y0 + y1) / 2
  const r = (n: number) => Math.round(n * 10) / 10
  return { viewBox: `${r(cx - w / 2)} ${r(cy - h / 2)} ${r(w)} ${r(h)}`, scale: w / map.width }
}

/**
 * Whether a point lies inside a borough (by its register name), from the same boundaries the map
 * draws: even-odd over every ring, so holes count. To the map's precision (a tenth of a unit, ~6 m).
 */
export function boroughContains(name: string, lon: number, lat: number): boolean {
  const map = londonMap()
  const borough = map.boroughs.find((b) => b.name === name)
  if (!borough) return false
  return insideRings(borough.rings, ...map.project(lon, lat))
}

/** The point at fractions (fx, fy) across a borough's bounding box, as [lon, lat], if it is inside the borough. */
export function pointInBorough(name: string, fx: number, fy: number): [number, number] | undefined {
  const map = londonMap()
  const borough = map.boroughs.find((b) => b.name === name)
  if (!borough) return undefined
  const [x0, y0, x1, y1] = borough.box
  const x = x0 + fx * (x1 - x0)
  const y = y0 + fy * (y1 - y0)
  return insideRings(borough.rings, x, y) ? map.unproject(x, y) : undefined
}

function insideRings(rings: [number, number][][], x: number, y: number): boolean {
  let inside = false
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i]!
      const [xj, yj] = ring[j]!
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
    }
  }
  return inside
}
