/** GET /v1/quarantine: rejected messages for an admin account, limited to its boroughs. */
import type { FastifyInstance } from 'fastify'
import type { SensorDirectory } from '../directory/sensor-directory.js'
import type { Quarantine } from '../quarantine/quarantine.js'
import { authenticateOperator } from './auth.js'
import { errorBodySchema } from './readings-routes.js'

export async function quarantineRoutes(
  app: FastifyInstance,
  deps: { quarantine: Quarantine; directory: SensorDirectory },
): Promise<void> {
  app.get(
    '/v1/quarantine',
    {
      schema: {
        summary: 'Rejected messages with reason and raw payload (admin account, Basic auth)',
        tags: ['ops'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            sensor: { type: 'string', maxLength: 64 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: { 401: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (req) => {
      const account = await authenticateOperator(req, deps.directory)
      const q = req.query as { sensor?: string; limit: number }
      // An admin scoped to boroughs sees only their rejects.
      const items = deps.quarantine.list({ sensor: q.sensor, limit: q.limit, boroughs: account.boroughs })
      return { count: items.length, items }
    },
  )
}
