/** The edge stage: the agent, its config, and the field engineer's tools. Drivers load lazily. */
export { createEdgeAgent, type EdgeAgent, type EdgeAgentDeps } from './agent.js'
export { type EdgeConfig, type EdgeSettings, EdgeSettingsSchema, loadEdgeConfig, parseEdgeConfig } from './config.js'
export { runEdgeAgent } from './main.js'
export { readFleetCredentials, type SimulatedFleet, startSimulatedFleet } from './simulated-fleet.js'
export { type Check, checkBrokerLogin, formatChecks, runDoctor } from './tools/doctor.js'
export { flashBoard, planFlash } from './tools/flash.js'
export { buildNodeConfig, fromSensorsAddJson, type ProvisionInput, writeNodeConfig } from './tools/provision.js'
