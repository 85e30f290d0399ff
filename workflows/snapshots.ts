import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/load';
import { toMermaid } from './diagram';
import { WORKFLOWS } from './index';

/**
 * The committed copies of each workflow, built from the example config: `workflows/<name>.asl.json`
 * (the ASL, for review and for auditors) and `workflows/<name>.mmd` (its diagram). A test fails
 * when they differ from what the code builds; `npm run snapshots` rewrites them.
 */
export const EXAMPLE_CONFIG = join(__dirname, '..', 'warden.config.json');

export function expectedSnapshots(): { file: string; content: string }[] {
  const config = loadConfig(EXAMPLE_CONFIG);
  return WORKFLOWS.flatMap((w) => {
    const definition = w.build(config);
    return [
      { file: join(__dirname, `${w.name}.asl.json`), content: `${JSON.stringify(definition, null, 2)}\n` },
      { file: join(__dirname, `${w.name}.mmd`), content: toMermaid(definition) },
    ];
  });
}

export function staleSnapshots(): string[] {
  return expectedSnapshots()
    .filter(({ file, content }) => {
      try {
        return readFileSync(file, 'utf8') !== content;
      } catch {
        return true;
      }
    })
    .map(({ file }) => file);
}
