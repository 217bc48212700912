import { Ajv2020 } from 'ajv/dist/2020.js';
import { TOPIC_CATALOGUE } from './topic-schemas.js';
import type { Topic } from './topics.js';

/*
 * Checks a body against its topic's schema in the catalogue, with ajv (draft 2020-12, the JSON
 * Schema dialect of OpenAPI 3.1). The schemas are compiled once, on first use.
 */

let compiled: Map<Topic, ReturnType<Ajv2020['compile']>> | null = null;

function validators() {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    compiled = new Map(TOPIC_CATALOGUE.map((entry) => [entry.topic, ajv.compile(entry.schema)]));
  }
  return compiled;
}

/** The ways `body` breaks its topic's schema ("/total: must match pattern …"), or none. */
export function topicBodyErrors(topic: Topic, body: unknown): string[] {
  const validate = validators().get(topic);
  if (!validate) return [`${topic} is not a topic`];
  if (validate(body)) return [];
  return (validate.errors ?? []).map(
    (e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
  );
}
