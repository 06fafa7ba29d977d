// Baseline for bench/broker: plain Aedes 1.2 (no auth, no ACL, no limits) on the given port.
import { startPlainAedes } from '../../test/helpers/aedes.js'

const broker = await startPlainAedes(Number(process.argv[2]))
console.log(JSON.stringify({ event: 'listening', port: broker.port }))
process.on('SIGTERM', () => broker.close().then(() => process.exit(0)))
