import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/load';
import { configReference, REFERENCE_END, REFERENCE_START } from '../config/reference';
import { toMermaid } from './diagram';
import { workflowNamed } from './index';

/**
 * The generated parts of the README: the workflow diagrams, the config reference and the latest
 * benchmark figures, each between its own markers. `npm run snapshots` fills them in; a test
 * fails when the README and the code disagree.
 */
export const README = join(__dirname, '..', 'README.md');
const EXAMPLE_CONFIG = join(__dirname, '..', 'warden.config.json');
const RESULTS = join(__dirname, '..', 'bench', 'results');

export function renderReadme(current: string): string {
  const config = loadConfig(EXAMPLE_CONFIG);
  let text = current;
  for (const name of ['response', 'onboarding']) {
    const diagram = `\`\`\`mermaid\n${toMermaid(workflowNamed(name).build(config))}\`\`\``;
    text = replaceBetween(text, `<!-- diagram:${name}:start -->`, `<!-- diagram:${name}:end -->`, diagram);
  }
  text = replaceBetween(text, REFERENCE_START, REFERENCE_END, configReference());
  text = replaceBetween(text, '<!-- bench:start -->', '<!-- bench:end -->', benchTable());
  return text;
}

/** One row per headline figure of each benchmark that has results. */
export function benchTable(): string {
  const rows = ['| benchmark | figure | value | target |', '|---|---|---|---|'];
  for (const [bench, keys] of Object.entries(HEADLINES)) {
    const file = join(RESULTS, `${bench}.json`);
    if (!existsSync(file)) {
      rows.push(`| ${bench} | (not run yet: \`npm run bench:${bench}\`) | | |`);
      continue;
    }
    const results = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> & {
      targets?: Record<string, { target?: string; met?: boolean }>;
    };
    for (const [key, target] of Object.entries(keys)) {
      const value = results[key];
      const t = results.targets?.[key];
      const verdict = t?.met === undefined ? '' : t.met ? ' (met)' : ' (missed)';
      rows.push(
        `| ${bench} | \`${key}\` | ${typeof value === 'number' ? value : '—'} | ${t?.target ?? target}${verdict} |`,
      );
    }
  }
  return rows.join('\n');
}

const HEADLINES: Record<string, Record<string, string>> = {
  chaos: {
    runs: '10,000',
    invariantViolations: '0',
    failedRunsPassingOnReplay: '',
    runsWithFaults: '',
    awsCalls: '',
    faultsInjected: '',
    blocksMade: '',
    evictions: '',
    cpuSeconds: '',
    cpuMsPerRun: '',
  },
  response: {
    apiCallsToContainment: '≤ 4',
    apiCallsToContainmentWarm: '≤ 2',
    hopsToContainment: '≤ 2',
    simulatedContainmentSeconds: '≤ 1.5',
    transitionsIgnored: '',
    transitionsNotify: '',
    transitionsAutoBlock: '',
    transitionsApproval: '',
    executionsPerDuplicateDelivery: '0',
    stormWritesPerDistinctPair: '≤ 1.05',
    findingsPerSecond: '≥ 500',
  },
  onboarding: {
    apiCallsPerAccountRegion: '≤ 6',
    transitionsPerAccount: '',
    enabledFraction: '1',
    scalingRatio1000vs100: '≤ 11',
  },
  replay: { findingsPerSecond: '≥ 20,000' },
  scale: {
    allCompleted: '1',
    longestInvocationSeconds: '≤ 60',
    peakStateBytes: '≤ 262,144',
    largestHistoryEvents: '≤ 25,000',
    worstGrowthRatio: '≤ 1.1',
  },
  cost: { autoBlockPerThousand: '≤ 0.20', ignoredPerThousand: '≤ 0.03' },
  cold: {
    largestBundleBytes: '≤ 1,048,576',
    bundlesOver1MB: '0',
    coldInitRatio: '≤ 1.5',
    coldInitCpuRatio: '',
    firstInvokeRatio: '',
    firstInvokeCpuRatio: '',
  },
};

function replaceBetween(text: string, start: string, end: string, content: string): string {
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README is missing the markers ${start} … ${end}`);
  return `${text.slice(0, a + start.length)}\n${content}\n${text.slice(b)}`;
}
