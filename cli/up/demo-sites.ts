/**
 * Where the demo's street sensors stand: real junctions and high streets, two or three in each of
 * London's 33 boroughs, taken one borough at a time so that 30 sensors cover 30 boroughs. A larger
 * fleet (`--sensors 500`) adds sites spread evenly inside each borough's boundary in turn.
 */
import { boroughContains, pointInBorough } from '../../register/index.js'
import { BOROUGHS, type BoroughCodeKnown } from '../../schemas/index.js'

export interface DemoSite {
  borough: BoroughCodeKnown
  name: string
  lon: number
  lat: number
  /** About two air sensors to one traffic counter, in every borough. */
  kind: 'air' | 'traffic'
}

type Spot = [name: string, lon: number, lat: number]

/** Real places, per borough; the first of each is used first. */
const SPOTS: Record<BoroughCodeKnown, Spot[]> = {
  E09000007: [
    ['Camden High Street at Parkway', -0.1428, 51.5378],
    ['Kentish Town Road at Leighton Road', -0.1407, 51.5497],
  ],
  E09000012: [
    ['Mare Street at Well Street', -0.0553, 51.5413],
    ['Kingsland High Street at Dalston Junction', -0.0753, 51.5463],
  ],
  E09000033: [
    ['Marylebone Road at Baker Street', -0.1566, 51.5225],
    ['Oxford Street at Regent Street', -0.1416, 51.5152],
    ['Strand at Charing Cross', -0.1255, 51.5083],
  ],
  E09000022: [
    ['Brixton Road at Acre Lane', -0.1143, 51.4626],
    ['Kennington Road at Kennington Cross', -0.1109, 51.4885],
  ],
  E09000028: [
    ['Old Kent Road at Dunton Road', -0.0735, 51.4909],
    ['Peckham High Street at Rye Lane', -0.0688, 51.4738],
    ['Walworth Road at Elephant and Castle', -0.0985, 51.493],
  ],
  E09000019: [
    ['Holloway Road at Seven Sisters Road', -0.1135, 51.5525],
    ['Upper Street at Islington Green', -0.1031, 51.5368],
  ],
  E09000030: [
    ['Commercial Road at Burdett Road', -0.0305, 51.5137],
    ['Whitechapel Road at Cambridge Heath Road', -0.0573, 51.5197],
    ['Bow Road at Bow Church', -0.0206, 51.5283],
  ],
  E09000025: [
    ['Romford Road at Stratford Broadway', 0.0036, 51.5419],
    ['Barking Road at East Ham', 0.0525, 51.5336],
  ],
  E09000001: [
    ['Cheapside at Bread Street', -0.0942, 51.5138],
    ['Aldgate High Street at Houndsditch', -0.077, 51.5138],
  ],
  E09000032: [
    ['Putney High Street at Lacy Road', -0.2168, 51.4623],
    ['Tooting Broadway at Mitcham Road', -0.1681, 51.4275],
    ["St John's Hill at Clapham Junction", -0.17, 51.4637],
  ],
  E09000020: [
    ['Notting Hill Gate at Pembridge Road', -0.1963, 51.5091],
    ["King's Road at Old Church Street", -0.1723, 51.4853],
  ],
  E09000013: [
    ['Hammersmith Broadway at Queen Caroline Street', -0.2236, 51.4922],
    ['Fulham Road at Fulham Broadway', -0.1953, 51.48],
  ],
  E09000014: [
    ['High Road at Wood Green', -0.1068, 51.5972],
    ['High Road at Bruce Grove', -0.07, 51.5938],
  ],
  E09000023: [
    ['Lewisham High Street at the Clock Tower', -0.0128, 51.4618],
    ['Rushey Green at Catford Broadway', -0.0195, 51.4452],
  ],
  E09000011: [
    ['Greenwich High Road at Greenwich Station', -0.0141, 51.4779],
    ['Powis Street at Woolwich', 0.0679, 51.4916],
  ],
  E09000031: [
    ['Hoe Street at Walthamstow Central', -0.0197, 51.5829],
    ['High Road Leytonstone at Church Lane', 0.0086, 51.5688],
  ],
  E09000005: [
    ['High Road at Willesden Green', -0.2212, 51.5488],
    ['Wembley High Road at Park Lane', -0.2933, 51.5524],
  ],
  E09000003: [
    ['Finchley Road at Golders Green', -0.1938, 51.5724],
    ['High Road at Tally Ho Corner', -0.1776, 51.613],
  ],
  E09000009: [
    ['Uxbridge Road at Ealing Broadway', -0.3016, 51.5131],
    ['The Broadway at Southall', -0.3762, 51.5113],
  ],
  E09000018: [
    ['Chiswick High Road at Turnham Green', -0.2553, 51.4932],
    ['High Street at Hounslow', -0.3642, 51.4683],
  ],
  E09000027: [
    ['George Street at Richmond', -0.303, 51.46],
    ['King Street at Twickenham', -0.329, 51.4468],
  ],
  E09000024: [
    ['The Broadway at Wimbledon', -0.2053, 51.4198],
    ['London Road at Morden', -0.195, 51.402],
  ],
  E09000021: [
    ['Clarence Street at Kingston', -0.303, 51.411],
    ['Tolworth Broadway at Ewell Road', -0.2793, 51.3795],
  ],
  E09000029: [
    ['High Street at Sutton', -0.1942, 51.364],
    ['Broadway at Cheam Village', -0.2158, 51.3592],
  ],
  E09000008: [
    ['London Road at West Croydon', -0.103, 51.379],
    ['Brighton Road at Purley Cross', -0.114, 51.3375],
  ],
  E09000006: [
    ['High Street at Bromley', 0.0146, 51.4052],
    ['High Street at Orpington', 0.1003, 51.3742],
  ],
  E09000004: [
    ['Broadway at Bexleyheath', 0.144, 51.4572],
    ['High Street at Sidcup', 0.1039, 51.4262],
  ],
  E09000002: [
    ['Ripple Road at Barking Town Centre', 0.0831, 51.5372],
    ['Heathway at Dagenham Heathway', 0.1477, 51.5418],
  ],
  E09000026: [
    ['High Road at Ilford Broadway', 0.0718, 51.5585],
    ['George Lane at South Woodford', 0.0271, 51.5918],
  ],
  E09000010: [
    ['Church Street at Enfield Town', -0.081, 51.6524],
    ['Fore Street at Edmonton Green', -0.06, 51.6238],
  ],
  E09000015: [
    ['Station Road at Harrow', -0.3346, 51.5808],
    ['High Street at Wealdstone', -0.335, 51.5962],
  ],
  E09000016: [
    ['South Street at Romford', 0.183, 51.5758],
    ['Station Road at Upminster', 0.2508, 51.559],
  ],
  E09000017: [
    ['High Street at Uxbridge', -0.4795, 51.5456],
    ['Bath Road at Harlington Corner', -0.4418, 51.4814],
  ],
}

const kindOf = (n: number): 'air' | 'traffic' => (n % 3 === 2 ? 'traffic' : 'air')

/** Every curated spot once: first spots of every borough (in the order above), then second ones, ... */
const CURATED: DemoSite[] = (() => {
  const boroughs = Object.keys(SPOTS) as BoroughCodeKnown[]
  const deepest = Math.max(...boroughs.map((b) => SPOTS[b].length))
  const sites: DemoSite[] = []
  for (let depth = 0; depth < deepest; depth++) {
    for (const borough of boroughs) {
      const spot = SPOTS[borough][depth]
      if (spot) sites.push({ borough, name: spot[0], lon: spot[1], lat: spot[2], kind: kindOf(sites.length) })
    }
  }
  return sites
})()

/** The van der Corput / Halton sequence: evenly spread fractions in [0, 1), deterministic. */
function halton(index: number, base: number): number {
  let f = 1
  let r = 0
  for (let i = index; i > 0; i = Math.floor(i / base)) {
    f /= base
    r += f * (i % base)
  }
  return r
}

const BOROUGH_ORDER = Object.keys(SPOTS) as BoroughCodeKnown[]
/** Per borough: the spread points found so far, and the next Halton index to try. */
const spread = new Map<BoroughCodeKnown, { points: [number, number][]; next: number }>()

/** The k-th of a borough's evenly spread points (Halton points of its bounding box that fall inside it). */
function spreadPoint(borough: BoroughCodeKnown, k: number): [number, number] {
  const state = spread.get(borough) ?? { points: [], next: 1 }
  spread.set(borough, state)
  const { points } = state
  for (; points.length <= k; state.next++) {
    const j = state.next
    // Far more candidates than any fleet needs; a borough covers a good part of its box.
    const p = pointInBorough(BOROUGHS[borough], halton(j, 2), halton(j, 3))
    const rounded = p && ([round6(p[0]), round6(p[1])] as [number, number])
    // Rounding moves a point by centimetres: one right on the boundary could end up outside.
    if (rounded && boroughContains(BOROUGHS[borough], ...rounded)) points.push(rounded)
  }
  return points[k]!
}

/**
 * The site of the i-th demo sensor: the curated spots first; past them, evenly spread points
 * inside each borough in turn, so a large fleet covers every borough (and parts on its map).
 */
export function demoSite(i: number): DemoSite {
  if (i < CURATED.length) return CURATED[i]!
  const extra = i - CURATED.length
  const borough = BOROUGH_ORDER[extra % BOROUGH_ORDER.length]!
  const k = Math.floor(extra / BOROUGH_ORDER.length)
  const [lon, lat] = spreadPoint(borough, k)
  return { borough, name: `${BOROUGHS[borough]} street site ${k + 1}`, lon, lat, kind: kindOf(k + extra) }
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6
