/** The fleet of bench/fleet: sensor k is `f-<k>` in one of London's 33 boroughs, in turn; probes are `p-<k>`. */
import { BOROUGHS } from '../../schemas/boroughs.js'

const CODES = Object.keys(BOROUGHS)

export function fleetSensor(k: number): { id: string; borough: string } {
  return { id: `f-${String(k).padStart(6, '0')}`, borough: CODES[k % CODES.length]! }
}

export function probeSensor(k: number): { id: string; borough: string } {
  return { id: `p-${String(k).padStart(3, '0')}`, borough: CODES[k % CODES.length]! }
}
