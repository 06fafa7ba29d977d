/** The edge stage: the agent, its config, and the field engineer's tools. Drivers load lazily. */
export { createEdgeAgent, type EdgeAgent, type EdgeAgentDeps } from './agent.js'
export { type EdgeConfig, type EdgeSettings, EdgeSettingsSchema, loadEdgeConfig, parseEdgeConfig } from './config.js'
export { type SimulatedFleet, startSimulatedFleet } from './fleet.js'
export { runEdgeAgent } from './main.js'
export { type Check, formatChecks, runDoctor } from './tools/doctor.js'
export { flashBoard, planFlash } from './tools/flash.js'
export { buildNodeConfig, fromSensorsAddJson, type ProvisionInput, writeNodeConfig } from './tools/provision.js'
