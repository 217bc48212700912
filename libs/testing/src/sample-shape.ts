// Test support (not built): compares a webhook body with the Refersion sample of its topic (libs/webhooks/src/fixtures).
import { readFileSync } from 'node:fs';
import { ADDED_ROOT_KEYS, type JsonType, NULLABLE_AS, SAMPLE_OF_TOPIC, TYPE_DEVIATIONS } from '@partner-ledger/webhooks';
import type { EventTopic } from '@partner-ledger/webhooks';

const loaded = new Map<string, unknown>();
// Read on first use, not at import: the benches load this lib from a build that has no fixtures.
// The payout topics are ours, not Refersion's: their sample is `payout.sample.json`.
const sample = (name: string, file = `refersion-${name}`) => {
  if (!loaded.has(name)) loaded.set(name, JSON.parse(readFileSync(new URL(`../../webhooks/src/fixtures/${file}.sample.json`, import.meta.url), 'utf8')));
  return loaded.get(name) as Record<string, unknown>;
};
export const SAMPLES = {
  get conversion() {
    return sample('conversion');
  },
  get affiliate() {
    return sample('affiliate');
  },
  get 'conversion-trigger'() {
    return sample('conversion-trigger');
  },
  get payout() {
    return sample('payout', 'payout');
  },
};

export const sampleFor = (topic: EventTopic) => SAMPLES[SAMPLE_OF_TOPIC[topic]];

export function jsonType(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as JsonType;
}

/**
 * Every mismatch between the sample's keys and types and ours (empty = conforming): a key missing,
 * a key the sample lacks (but for ADDED_ROOT_KEYS), or a type other than the sample's (or than a listed TYPE_DEVIATION).
 * `onArray` sees each of our arrays, for callers that require them non-empty.
 */
export function shapeProblems(topic: EventTopic, sampleValue: unknown, ours: unknown, path = '', onArray?: (ours: unknown[]) => void): string[] {
  const problems: string[] = [];
  const deviation = path ? TYPE_DEVIATIONS[topic][path] : undefined;
  const expected: readonly JsonType[] = deviation ? deviation.ours : jsonType(sampleValue) === 'null' ? NULLABLE_AS : [jsonType(sampleValue)];
  if (deviation && deviation.sample !== jsonType(sampleValue)) problems.push(`${path}: deviation says the sample is ${deviation.sample}, it is ${jsonType(sampleValue)}`);
  if (!expected.includes(jsonType(ours))) problems.push(`${path || '(root)'}: sample ${jsonType(sampleValue)}, ours ${jsonType(ours)}`);
  if (jsonType(sampleValue) === 'object' && jsonType(ours) === 'object') {
    const s = sampleValue as Record<string, unknown>;
    const o = ours as Record<string, unknown>;
    for (const key of Object.keys(s)) {
      const sub = path ? `${path}.${key}` : key;
      if (!(key in o)) problems.push(`${sub}: missing`);
      else problems.push(...shapeProblems(topic, s[key], o[key], sub, onArray));
    }
    for (const key of Object.keys(o)) if (!(key in s) && !(path === '' && ADDED_ROOT_KEYS.includes(key))) problems.push(`${path ? `${path}.` : ''}${key}: not in the sample`);
  }
  if (jsonType(sampleValue) === 'array' && jsonType(ours) === 'array') {
    const [first] = sampleValue as unknown[];
    onArray?.(ours as unknown[]);
    for (const element of ours as unknown[]) problems.push(...shapeProblems(topic, first, element, path, onArray));
  }
  return problems;
}
