/**
 * Bodies and headers shaped as the airrohr firmware builds them (test/fixtures/airrohr/README.md):
 * a fixed first part, one `{"value_type":"…","value":"…"},` per value (values are strings; floats
 * printed with two decimals), the last comma removed and `]}` appended. The custom API puts
 * `{"esp8266id": "<chip id>", ` in front of the combined body; the Sensor.Community API sends one
 * body per sensor with that sensor's prefix removed and its X-PIN header.
 */
export const FIRMWARE = 'NRZ-2024-135'
const FIRST_PART = `{"software_version": "${FIRMWARE}", "sensordatavalues":[`

/** A value as `add_Value2Json` writes it: a float as Arduino's String(float), two decimals. */
export const entry = (type: string, value: number | string): string =>
  `{"value_type":"${type}","value":"${typeof value === 'number' ? value.toFixed(2) : value}"},`

function close(data: string): string {
  return `${data.endsWith(',') ? data.slice(0, -1) : data}]}`
}

export type Values = [type: string, value: number | string][]

/** The combined body with the housekeeping entries, as "Send data to own API" posts it. */
export function customApiBody(chipId: string, values: Values, intervalMs = 145_000): string {
  let data = FIRST_PART + values.map(([t, v]) => entry(t, v)).join('')
  data += entry('samples', '604571') + entry('min_micro', '33') + entry('max_micro', '20125')
  data += entry('interval', String(intervalMs)) + entry('signal', '-71')
  return `{"esp8266id": "${chipId}", ${close(data).slice(1)}`
}

/** One sensor's body for the Sensor.Community API: its prefix removed from every value type. */
export function sensorCommunityApiBody(prefix: string, values: Values): string {
  const data = FIRST_PART + values.map(([t, v]) => entry(t, v)).join('')
  return prefix ? close(data).replaceAll(prefix, '') : close(data)
}

/** The headers sendData() sets (Basic auth only when the node has a user or password configured). */
export function firmwareHeaders(chipId: string, opts: { pin?: number; user?: string; password?: string } = {}) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-sensor': `esp8266-${chipId}`,
    'x-mac-id': 'esp8266-5ccf7f0a1b2c',
    'user-agent': `${FIRMWARE}/${chipId}/5ccf7f0a1b2c`,
  }
  if (opts.pin) headers['x-pin'] = String(opts.pin)
  if (opts.user !== undefined || opts.password !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${opts.user ?? ''}:${opts.password ?? ''}`).toString('base64')}`
  }
  return headers
}
