/** The broker stage: what other stages and the CLI may import. */
export { type BrokerSettings, type RegistrySettings, RegistrySettingsSchema, SettingsSchema } from './config.js'
export { type RunningBroker, startBroker } from './start.js'
