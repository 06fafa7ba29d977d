/** Stable error codes of the ingest; HTTP bodies and logs carry them. */
export const INGEST_ERRORS = {
  IOT_INGEST_NOT_JSON: 400,
  IOT_INGEST_INVALID: 400,
  IOT_INGEST_TOPIC_MISMATCH: 400,
  IOT_INGEST_UNKNOWN_SENSOR: 400,
  IOT_INGEST_TOO_LARGE: 413,
  IOT_INGEST_UNAUTHORIZED: 401,
  IOT_INGEST_FORBIDDEN: 403,
  IOT_INGEST_SPOOL_FULL: 503,
  IOT_INGEST_INFLUX_REJECTED: 400,
  IOT_INGEST_CONFIG: 500,
} as const

export type IngestErrorCode = keyof typeof INGEST_ERRORS

export class IngestError extends Error {
  readonly statusCode: number
  constructor(
    readonly code: IngestErrorCode,
    message: string,
    /** The field or parameter at fault, when there is one. */
    readonly field?: string,
  ) {
    super(message)
    this.name = 'IngestError'
    this.statusCode = INGEST_ERRORS[code]
  }
}
