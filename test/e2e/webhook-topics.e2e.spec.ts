import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createProgram, expectProblem, startTestEngine, type TestEngine, topicSchemaProblems } from '@partner-ledger/testing';
import { TOPIC_CATALOGUE, TOPICS } from '@partner-ledger/webhooks';

/** The catalogue of topics over real HTTP, and the same topics as the OpenAPI document's `webhooks`. */
describe('webhook topics catalogue', () => {
  let engine: TestEngine;
  let key: string;

  beforeAll(async () => {
    engine = await startTestEngine();
    ({ key } = await createProgram(engine));
  });
  afterAll(async () => engine.stop());

  it('answers every topic with a description, a schema and an example that validates against it; any program key reads it', async () => {
    const res = await engine.call('GET', '/v1/webhook-topics', undefined, key);
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: { topic: string }) => i.topic)).toEqual([...TOPICS]);
    for (const item of res.body.items) {
      expect(Object.keys(item)).toEqual(['topic', 'description', 'schema', 'example']);
      expect(item.schema).toMatchObject({ type: 'object', additionalProperties: false });
    }
    // The examples as served (after JSON), each against its topic's schema.
    expect(topicSchemaProblems(res.body.items.map((i: { topic: string; example: unknown }) => ({ topic: i.topic, body: JSON.stringify(i.example) })))).toEqual([]);
    // What is served is the catalogue itself.
    expect(res.body.items).toEqual(JSON.parse(JSON.stringify(TOPIC_CATALOGUE)));
  });

  it('needs a key', async () => {
    expectProblem(await engine.call('GET', '/v1/webhook-topics', undefined, null), 401, 'missing_api_key');
  });

  it('the OpenAPI document declares 3.1.0 and lists every topic under webhooks, its body a $ref to the catalogue schema', async () => {
    const doc = (await engine.call('GET', '/docs-json')).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.webhooks)).toEqual([...TOPICS]);
    for (const entry of TOPIC_CATALOGUE) {
      const post = doc.webhooks[entry.topic].post;
      expect(post.description).toBe(entry.description);
      const content = post.requestBody.content['application/json'];
      expect(content.schema).toEqual({ $ref: `#/components/schemas/${entry.topic}Webhook` });
      expect(doc.components.schemas[`${entry.topic}Webhook`]).toEqual(JSON.parse(JSON.stringify(entry.schema)));
      expect(content.example).toEqual(JSON.parse(JSON.stringify(entry.example)));
      expect(post.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(
        expect.arrayContaining(['header:webhook-id', 'header:webhook-signature', 'header:Refersion-Topic']),
      );
    }
    expect(doc.paths['/v1/webhook-topics'].get).toBeDefined();
    // 3.0's `nullable` does not exist in 3.1: the rest of the document must not use it.
    expect(JSON.stringify(doc)).not.toContain('"nullable"');
    expect(doc.components.schemas.PayoutDto.properties.reference).toMatchObject({ type: ['string', 'null'] });
    expect(doc.components.schemas.PayoutDto.properties.confirmedBy).toMatchObject({ anyOf: [{ $ref: '#/components/schemas/ActorDto' }, { type: 'null' }] });
  });
});
