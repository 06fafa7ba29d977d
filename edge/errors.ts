/** Stable error codes of the edge agent (IOT_EDGE_*): logs, the status heartbeat and tests use them. */
export type EdgeErrorCode =
  | 'IOT_EDGE_CONFIG_INVALID'
  | 'IOT_EDGE_CONFIG_UNREADABLE'
  | 'IOT_EDGE_SERIAL_OPEN'
  | 'IOT_EDGE_SERIAL_LOST'
  | 'IOT_EDGE_FRAME_CHECKSUM'
  | 'IOT_EDGE_FRAME_GARBAGE'
  | 'IOT_EDGE_SENSOR_FAULT'
  | 'IOT_EDGE_BOARD'
  | 'IOT_EDGE_I2C'
  | 'IOT_EDGE_OUTBOX'
  | 'IOT_EDGE_MQTT'
  | 'IOT_EDGE_COMMAND_INVALID'
  | 'IOT_EDGE_FLASH'
  | 'IOT_EDGE_PROVISION'

export class EdgeError extends Error {
  constructor(
    readonly code: EdgeErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message)
    this.name = 'EdgeError'
  }
}
