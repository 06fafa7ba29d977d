/**
 * One wording for a schema validation error, used by every place that turns an Ajv error into a
 * message (API replies, settings, node configs, schema checks): an enum lists its allowed values,
 * a borough code names the codes and names accepted, other keywords keep Ajv's own message.
 */
import type { ErrorObject } from 'ajv'
import { BOROUGH_CODE_PATTERN, boroughChoices } from './boroughs.js'

const list = (values: readonly unknown[]) => values.map((v) => (v === '' ? '""' : String(v))).join(', ')

export function schemaErrorText(err: Pick<ErrorObject, 'keyword' | 'params' | 'message'>): string {
  const params = err.params as { allowedValues?: unknown[]; allowedValue?: unknown; pattern?: string }
  if (err.keyword === 'enum' && params.allowedValues) {
    return `${err.message ?? 'must be equal to one of the allowed values'}: ${list(params.allowedValues)}`
  }
  if (err.keyword === 'const') return `must be ${String(params.allowedValue)}`
  if (err.keyword === 'pattern' && params.pattern === BOROUGH_CODE_PATTERN) {
    return `must be a London borough, by code or name: ${boroughChoices()}`
  }
  return err.message ?? err.keyword
}

/** The field an error is about, dotted ("every", "readings.0.time"), or '' for the whole document. */
export function schemaErrorField(err: Pick<ErrorObject, 'instancePath' | 'params'>): string {
  const params = err.params as { missingProperty?: string; additionalProperty?: string }
  const path = err.instancePath.replace(/^\//, '').replace(/\//g, '.')
  return params.missingProperty ?? params.additionalProperty ?? path
}
