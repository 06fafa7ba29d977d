/** What every stage shares: the error registry, settings, the logger, how a service runs, the version. */

export { csvCell, csvLine, fromCsvCell, toCsv } from './csv.js'
export {
  ERROR_CODES,
  type ErrorCode,
  type ErrorOptions,
  type HttpErrorBody,
  httpErrorBody,
  StreetsenseError,
} from './errors.js'
export { createLogger, type Logger } from './logger.js'
export { privateDir, privateFile } from './private-files.js'
export { TokenBuckets, WindowCounter } from './rate-limiters.js'
export { type Closable, type RunServiceOptions, runService, settingsOrExit } from './service.js'
export {
  addSettingOptions,
  envName,
  flagName,
  loadSettings,
  type SettingSchema,
  type SettingsOf,
  type SettingsSchema,
  settingFlag,
} from './settings.js'
export { packageVersion } from './version.js'
