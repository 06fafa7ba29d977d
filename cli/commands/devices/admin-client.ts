/**
 * The admin API as the `devices` commands use it: where it is and who asks (settings: flags and
 * STREETSENSE_API_* variables), the password from STREETSENSE_API_PASSWORD or a file, never a
 * flag (flags end up in shell history and in `ps`). Errors come back as the API's own body.
 */
import { readFileSync } from 'node:fs'
import { loadSettings, type SettingsOf, type SettingsSchema, StreetsenseError } from '../../../core/index.js'

export const DevicesSettingsSchema = {
  $id: 'streetsense:settings:devices',
  type: 'object',
  additionalProperties: false,
  required: ['apiUsername'],
  properties: {
    apiUrl: {
      type: 'string',
      description: 'base URL of the admin API (the register)',
      default: 'http://127.0.0.1:8080',
      pattern: '^https?://',
    },
    apiUsername: { type: 'string', description: 'operator or admin account of the registry', minLength: 1 },
    apiPasswordFile: {
      type: 'string',
      description: 'file holding the account password (else STREETSENSE_API_PASSWORD)',
      minLength: 1,
    },
  },
} as const satisfies SettingsSchema

export type DevicesSettings = SettingsOf<typeof DevicesSettingsSchema>

/** The answer of a refused request: the API's error body. */
export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly body: { code?: string; message?: string; field?: string },
  ) {
    super(body.message ?? `HTTP ${status}`)
  }
}

export interface AdminClient {
  get<T>(path: string): Promise<T>
  post<T>(path: string, body: unknown): Promise<T>
}

function password(settings: DevicesSettings, env: NodeJS.ProcessEnv): string {
  if (settings.apiPasswordFile) return readFileSync(settings.apiPasswordFile, 'utf8').trim()
  const fromEnv = env.STREETSENSE_API_PASSWORD
  if (!fromEnv) {
    throw new StreetsenseError(
      'IOT_USAGE',
      'the password comes from STREETSENSE_API_PASSWORD or --api-password-file',
      'api-password-file',
    )
  }
  return fromEnv
}

/** JSON, or (a proxy's error page) the start of the text as the message. */
function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : {}
  } catch {
    return { message: text.slice(0, 200) }
  }
}

export function adminClient(flags: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): AdminClient {
  const settings = loadSettings<DevicesSettings>(DevicesSettingsSchema, flags, env)
  const base = settings.apiUrl.replace(/\/+$/, '')
  const auth = `Basic ${Buffer.from(`${settings.apiUsername}:${password(settings, env)}`).toString('base64')}`
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).catch((err: Error) => {
      throw new StreetsenseError('IOT_USAGE', `cannot reach the admin API at ${base}: ${err.message}`, 'api-url')
    })
    const parsed = parseBody(await res.text())
    if (!res.ok) throw new ApiRefusal(res.status, parsed as ApiRefusal['body'])
    return parsed as T
  }
  return { get: (path) => call('GET', path), post: (path, body) => call('POST', path, body) }
}
