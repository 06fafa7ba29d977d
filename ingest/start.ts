/** Entry point for `streetsense up` and other embedders: see service.ts. */
export { type IngestDeps, type RunningIngest, startIngest } from './service.js'
