/** Stable error codes of the open data API and register page; every error body carries one. */
export const REGISTER_ERRORS = {
  IOT_REGISTER_BAD_PARAM: 400,
  IOT_REGISTER_INVALID_ENTRY: 400,
  IOT_REGISTER_UNAUTHORIZED: 401,
  IOT_REGISTER_FORBIDDEN: 403,
  IOT_REGISTER_DATA_NOT_OPEN: 403,
  IOT_REGISTER_NOT_FOUND: 404,
  IOT_REGISTER_DUPLICATE: 409,
  IOT_REGISTER_RATE_LIMITED: 429,
  IOT_REGISTER_INFLUX_UNAVAILABLE: 503,
} as const

export type RegisterErrorCode = keyof typeof REGISTER_ERRORS

export class RegisterApiError extends Error {
  readonly statusCode: number
  constructor(
    readonly code: RegisterErrorCode,
    message: string,
    /** The query/path/body parameter at fault, for 400s. */
    readonly param?: string,
  ) {
    super(message)
    this.name = 'RegisterApiError'
    this.statusCode = REGISTER_ERRORS[code]
  }
}

export function badParam(param: string, message: string): RegisterApiError {
  return new RegisterApiError('IOT_REGISTER_BAD_PARAM', `${param}: ${message}`, param)
}
