// aedes-persistence-redis ships no types; only what broker/persistence.ts uses.
declare module 'aedes-persistence-redis' {
  interface RedisPersistenceOptions {
    host?: string
    port?: number
    db?: number
    username?: string
    password?: string
    family?: 4 | 6
    maxSessionDelivery?: number
    packetTTL?: (packet: unknown) => number
  }
  function aedesPersistenceRedis(opts?: RedisPersistenceOptions): unknown
  export default aedesPersistenceRedis
}
