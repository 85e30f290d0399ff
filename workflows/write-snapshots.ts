import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { README, renderReadme } from './readme-sections';
import { expectedSnapshots } from './snapshots';

for (const { file, content } of expectedSnapshots()) {
  writeFileSync(file, content);
  process.stdout.write(`wrote ${relative(process.cwd(), file)}\n`);
}

writeFileSync(README, renderReadme(readFileSync(README, 'utf8')));
process.stdout.write('updated README.md (diagrams, config reference, benchmark figures)\n');
