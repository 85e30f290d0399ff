import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { expectedSnapshots } from './snapshots';

for (const { file, content } of expectedSnapshots()) {
  writeFileSync(file, content);
  process.stdout.write(`wrote ${relative(process.cwd(), file)}\n`);
}
