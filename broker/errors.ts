/** Stable error codes of the broker stage and its sensor registry. */
export type RegistryErrorCode = 'IOT_REGISTRY_INVALID_ENTRY' | 'IOT_REGISTRY_DUPLICATE' | 'IOT_REGISTRY_NOT_FOUND'

export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    /** JSON Pointer (or name) of the field at fault, when there is one. */
    readonly field?: string,
  ) {
    super(message)
    this.name = 'RegistryError'
  }
}

export type BrokerErrorCode =
  | 'IOT_BROKER_CONNECTION_RATE'
  | 'IOT_BROKER_MAX_CONNECTIONS'
  | 'IOT_BROKER_LOGIN_THROTTLED'
  | 'IOT_BROKER_BAD_CREDENTIALS'
  | 'IOT_BROKER_ACCOUNT_DISABLED'
  | 'IOT_BROKER_BAD_CLIENT_ID'
  | 'IOT_BROKER_PUBLISH_DENIED'
  | 'IOT_BROKER_PACKET_TOO_LARGE'
  | 'IOT_BROKER_REGISTRY_UNAVAILABLE'
  | 'IOT_BROKER_START_FAILED'

export class BrokerError extends Error {
  /** Read by Aedes' authenticate handler: becomes the CONNACK return code (2..5). */
  returnCode?: number
  constructor(
    readonly code: BrokerErrorCode,
    message: string,
    returnCode?: number,
  ) {
    super(message)
    this.name = 'BrokerError'
    if (returnCode !== undefined) this.returnCode = returnCode
  }
}
