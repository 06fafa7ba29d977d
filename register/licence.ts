/** The licence every answer carries: in the JSON body and in the headers (x-licence, link, x-attribution). */
import type { FastifyInstance, FastifyReply } from 'fastify'
import { DEFAULT_LICENCE, licenceInfo } from './mappings.js'

/** The licence block every JSON body carries. */
export function licenceBlock(id: string = DEFAULT_LICENCE) {
  const l = licenceInfo(id)
  return { licence: { id: l.id, name: l.name, url: l.url }, attribution: l.attribution }
}

export function setLicence(reply: FastifyReply, id: string = DEFAULT_LICENCE): void {
  const l = licenceInfo(id)
  reply.header('x-licence', l.id)
  reply.header('link', `<${l.url}>; rel="license"; title="${l.name}"`)
  reply.header('x-attribution', l.attribution)
}

/** The default licence's headers on every reply of the plugin; a sensor's route may set its own. */
export function installLicenceHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_req, reply) => {
    setLicence(reply)
  })
}
