import type { AslDefinition, AslState } from './asl';

/**
 * A Mermaid flowchart of a workflow, drawn from its ASL so the picture in the README cannot
 * drift from what runs. Map and Parallel states become subgraphs; Catch edges are dashed.
 */
export function toMermaid(definition: AslDefinition): string {
  const lines = ['flowchart TD'];
  const ids = new Map<string, string>();
  const id = (name: string) => {
    if (!ids.has(name)) ids.set(name, `s${ids.size}`);
    return ids.get(name)!;
  };
  const label = (text: string) => text.replace(/"/g, "'");
  const draw = (def: Pick<AslDefinition, 'StartAt' | 'States'>, indent: string) => {
    for (const [name, state] of Object.entries(def.States)) {
      const shape = shapeOf(state, label(name));
      lines.push(`${indent}${id(name)}${shape}`);
      const processor = (state.ItemProcessor ?? state.Iterator) as AslDefinition | undefined;
      if (processor) {
        lines.push(`${indent}subgraph ${id(name)}_each ["for each item"]`);
        draw(processor, `${indent}  `);
        lines.push(`${indent}end`);
        lines.push(`${indent}${id(name)} --> ${id(processor.StartAt)}`);
      }
      for (const [target, text, dashed] of edgesOf(state)) {
        const arrow = dashed ? '-.->' : '-->';
        lines.push(`${indent}${id(name)} ${arrow}${text ? `|${label(text)}|` : ''} ${id(target)}`);
      }
    }
  };
  lines.push(`  start((start)) --> ${id(definition.StartAt)}`);
  draw(definition, '  ');
  return `${lines.join('\n')}\n`;
}

function shapeOf(state: AslState, text: string): string {
  switch (state.Type) {
    case 'Choice':
      return `{"${text}"}`;
    case 'Succeed':
      return `(["${text}"])`;
    case 'Fail':
      return `[["${text}"]]`;
    case 'Wait':
      return `[/"${text}"/]`;
    default:
      return `["${text}"]`;
  }
}

function edgesOf(state: AslState): [string, string, boolean][] {
  const edges: [string, string, boolean][] = [];
  if (typeof state.Next === 'string') edges.push([state.Next, '', false]);
  for (const choice of (state.Choices as
    | { Next: string; StringEquals?: string; BooleanEquals?: boolean }[]
    | undefined) ?? []) {
    edges.push([choice.Next, String(choice.StringEquals ?? choice.BooleanEquals ?? 'if'), false]);
  }
  if (typeof state.Default === 'string') edges.push([state.Default, 'otherwise', false]);
  for (const c of (state.Catch as { Next: string; ErrorEquals: string[] }[] | undefined) ?? []) {
    edges.push([c.Next, c.ErrorEquals.join(', '), true]);
  }
  return edges;
}
