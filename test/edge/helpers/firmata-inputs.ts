/** Reading a traffic input's state from the Arduino driver's frames, and settling it to idle. */
import { waitFor } from '../../helpers/ports.js'

/** The input's state as the driver last saw it (from its frames), e.g. 'idle'. */
function inputState(frames: string[], pin: number): string | undefined {
  const states = frames.map((f) => new RegExp(`^D${pin} \\w+ (active|idle)`).exec(f)?.[1]).filter(Boolean)
  return states[states.length - 1]
}

/**
 * Drives an input to its idle level and waits until the driver has seen it there. A level set on
 * the emulated pin before the firmware configured it was sometimes not seen (the driver then
 * reported the pin active at start), so tests set input levels once the driver reports the pin.
 */
export async function settle(
  uno: { setDigital(pin: number, high: boolean): void },
  frames: string[],
  pin: number,
  idleHigh: boolean,
): Promise<void> {
  await waitFor(() => inputState(frames, pin) !== undefined, 30_000, `D${pin} reporting`)
  uno.setDigital(pin, idleHigh)
  await seenIdle(frames, pin)
}

/** Waits until the driver has reported the input back at its idle level (the edge is processed). */
export function seenIdle(frames: string[], pin: number): Promise<void> {
  return waitFor(() => inputState(frames, pin) === 'idle', 30_000, `D${pin} idle`)
}
