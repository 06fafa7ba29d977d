/** A plain Aedes broker in its own process (memory persistence), for the benchmark. */
import { createServer } from 'node:net'
import { Aedes } from 'aedes'

const port = Number(process.argv[2])
const broker = await Aedes.createBroker()
const server = createServer(broker.handle)
server.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ event: 'listening', port })))
process.on('SIGTERM', () => process.exit(0))
