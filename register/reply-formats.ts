/** Content negotiation for routes that answer JSON, GeoJSON or CSV, and the CSV download reply. */
import type { FastifyReply, FastifyRequest } from 'fastify'

/** Whether the client asked for this format, by `format=` or else by its Accept header. */
export function wants(req: FastifyRequest, format: string | undefined, mime: string, name: string): boolean {
  if (format) return format === name
  return (req.headers.accept ?? '').includes(mime)
}

export function sendCsv(reply: FastifyReply, filename: string, body: string) {
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(body)
}
