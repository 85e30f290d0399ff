import { z } from 'zod';
import { WardenConfigSchema } from './schema';

/**
 * The config reference in the README, generated from the schema so the two cannot disagree:
 * one row per field with its type, its default and its description. `npm run snapshots`
 * rewrites the README section between the markers; a test fails when it is stale.
 */
export const REFERENCE_START = '<!-- config-reference:start -->';
export const REFERENCE_END = '<!-- config-reference:end -->';

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
}

export function configReference(): string {
  const schema = z.toJSONSchema(WardenConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const rows: string[] = ['| field | type | default | meaning |', '|---|---|---|---|'];
  const walk = (node: JsonSchema, path: string, required: boolean) => {
    if (path)
      rows.push(
        `| \`${path}\` | ${typeOf(node)} | ${defaultOf(node, required)} | ${cell(node.description ?? '')} |`,
      );
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      walk(child, path ? `${path}.${key}` : key, node.required?.includes(key) ?? false);
    }
    const variants = node.oneOf ?? node.anyOf;
    for (const variant of variants ?? []) {
      for (const [key, child] of Object.entries(variant.properties ?? {})) {
        if (key === 'kind') continue;
        walk(child, `${path}.${key}`, variant.required?.includes(key) ?? false);
      }
    }
  };
  walk(schema, '', true);
  return rows.join('\n');
}

function typeOf(node: JsonSchema): string {
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  const variants = node.oneOf ?? node.anyOf;
  if (variants)
    return variants
      .map((v) => (v.properties?.kind?.const ? `kind \`${String(v.properties.kind.const)}\`` : typeOf(v)))
      .join(' or ');
  const type = Array.isArray(node.type) ? node.type.join(' or ') : (node.type ?? 'any');
  if (type === 'array') return `list of ${typeOf(node.items ?? {})}`;
  if (type === 'integer' || type === 'number') {
    const range =
      node.minimum !== undefined && node.maximum !== undefined ? ` ${node.minimum}–${node.maximum}` : '';
    return `${type}${range}`;
  }
  return type;
}

function defaultOf(node: JsonSchema, required: boolean): string {
  if (node.default !== undefined) {
    const text = JSON.stringify(node.default);
    return text.length > 60 ? '(see description)' : `\`${text}\``;
  }
  return required ? '**required**' : '—';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
