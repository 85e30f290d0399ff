import * as z from 'zod';
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

/**
 * The default the schema itself applies, never prose: an object that defaults to `{}` (zod's
 * `.prefault({})`, which parses the value) takes each field's own default, listed on its rows.
 */
function defaultOf(node: JsonSchema, required: boolean): string {
  if (node.default !== undefined) {
    if (node.properties && isEmptyObject(node.default)) return "its fields' defaults";
    const text = JSON.stringify(node.default);
    if (text.length <= 60) return `\`${text}\``;
    return Array.isArray(node.default)
      ? `${node.default.length} entries (in \`config/schema.ts\`)`
      : '(in `config/schema.ts`)';
  }
  return required ? '**required**' : '—';
}

function isEmptyObject(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0
  );
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
