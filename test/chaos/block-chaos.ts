import { AsyncLocalStorage } from 'node:async_hooks';
import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Pluggable } from '@smithy/types';
import fc from 'fast-check';
import { parseConfig } from '../../config/load';
import { ManualClock } from '../../runtime/clock';
import { type LocalWarden, startLocalWarden } from '../../runtime/local-warden';
import type { NaclEntry } from '../../runtime/sandbox/ec2';
import { mulberry32, type ScriptedFault } from '../../runtime/sandbox/faults';
import { buildMemberNetwork, type MemberNetwork } from '../../runtime/scenario/network';
import { blockAddresses, lowestCoveringAllow } from '../../tasks/response/block-addresses';
import { type BlockState, TriageSchema } from '../../tasks/response/contract';
import { parseFindingEvent } from '../../tasks/response/finding';
import { FindingsTable } from '../../tasks/response/findings-table';
import { Ledger } from '../../tasks/response/ledger';
import { liftExpiredBlocks } from '../../tasks/response/lift-expired-blocks';
import { reconcileBlocksTask } from '../../tasks/response/reconcile-blocks';
import { resolveNetworkAcls } from '../../tasks/response/resolve-network-acls';
import { triageFinding } from '../../tasks/response/triage';
import { isTransient } from '../../tasks/shared/errors';
import { tableClient } from '../../tasks/shared/tables';
import { runTask, type TaskDeps } from '../../tasks/shared/task';
import { makeFindingEvent, networkInterfacesOf } from '../fixtures/findings';

/**
 * The chaos model of Warden's blocking: random interleavings of findings (automatic and
 * approved), repeat findings, intake extensions, lifts, evictions and the reconciler on a few
 * NACLs, with a random fault on any AWS call (throttling, a 5xx, a reply lost after the call
 * committed, the Lambda invocation timing out). Warden is deployed as in AWS (the synthesized
 * stacks in a bare organisation, under IAM); each task runs directly — no engine — as its own
 * function (its role, its environment), and is retried as the workflow's Retry rules would.
 *
 * Interleaving is deterministic: each task attempt is an actor, every AWS call waits at a gate,
 * and only when every live actor is at a gate does the seeded scheduler let one through. So a run
 * is a function of its commands and its seed, and fast-check can shrink a failing one.
 */
export const MEMBER = '333333333333';
export const REGION = 'eu-west-1';
const BAND = { start: 1, end: 60 };
/** Addresses an attack may come from; the first is inside a customer ALLOW at rule 30. */
export const ATTACKERS = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '2001:db8::5', '198.51.100.4'];
const ALLOW_LISTED = '198.51.100.201';
const INSTANCE_PUBLIC = '203.0.113.10';
/** Addresses no NACL entry of Warden's may ever deny. */
const MUST_NOT_BLOCK = [ALLOW_LISTED, INSTANCE_PUBLIC, '10.0.1.10', '192.168.4.4'];
const GRACE_MINUTES = 15;
const MAX_ATTEMPTS = 4;

export type Command =
  | { kind: 'finding'; addresses: number[]; approval: boolean; mustNotBlock: boolean }
  | { kind: 'repeat'; of: number }
  | { kind: 'extend'; of: number }
  | { kind: 'lift'; of: number }
  | { kind: 'reconcile' }
  | { kind: 'advance'; minutes: number };

export interface ChaosRun {
  rounds: Command[][];
  seed: number;
  /** Share of calls that get a fault. */
  faultRate: number;
}

export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('finding' as const),
      addresses: fc.uniqueArray(fc.integer({ min: 0, max: ATTACKERS.length - 1 }), {
        minLength: 1,
        maxLength: 2,
      }),
      approval: fc.boolean(),
      mustNotBlock: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('repeat' as const), of: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('extend' as const), of: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('lift' as const), of: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reconcile' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 90 }) }),
  },
);

export const runArb: fc.Arbitrary<ChaosRun> = fc.record({
  rounds: fc.array(fc.array(commandArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  faultRate: fc.constantFrom(0, 0.1, 0.25),
});

/** What a run found wrong; empty when every invariant holds. */
export interface ChaosOutcome {
  violations: string[];
  calls: number;
  faults: Record<string, number>;
  blocked: number;
  evicted: number;
  retries: number;
  abandoned: number;
}

class LambdaTimeout extends Error {
  constructor() {
    super('Task timed out');
    this.name = 'Sandbox.Timedout';
  }
}

interface Actor {
  id: number;
  dead: boolean;
}

/** Lets one actor through its next AWS call at a time, once every live actor is waiting. */
class Interleaver {
  private readonly live = new Set<number>();
  private readonly waiting = new Map<number, () => void>();
  constructor(private readonly random: () => number) {}

  enter(actor: number): void {
    this.live.add(actor);
  }

  leave(actor: number): void {
    this.live.delete(actor);
    this.waiting.delete(actor);
    this.release();
  }

  gate(actor: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.set(actor, resolve);
      this.release();
    });
  }

  private release(): void {
    if (this.waiting.size === 0 || this.waiting.size < this.live.size) return;
    const ids = [...this.waiting.keys()].sort((a, b) => a - b);
    const chosen = ids[Math.floor(this.random() * ids.length)]!;
    const resolve = this.waiting.get(chosen)!;
    this.waiting.delete(chosen);
    resolve();
  }
}

/**
 * One deployed Warden reused by every run; each run gets new NACLs and starts from an empty
 * ledger, so run N behaves the same whichever runs came before it (a benchmark can replay it alone).
 */
export class ChaosBench {
  private runs = 0;
  private constructor(
    private readonly warden: LocalWarden,
    private readonly clock: ManualClock,
    private readonly actors: AsyncLocalStorage<Actor>,
    private readonly state: { interleaver?: Interleaver; plan?: () => ScriptedFault | 'TIMEOUT' },
  ) {}

  static async start(): Promise<ChaosBench> {
    const config = parseConfig({
      organization: {
        managementAccountId: '111111111111',
        securityAccountId: '222222222222',
        homeRegion: REGION,
        regions: [REGION],
      },
      response: {
        mode: 'enforce',
        ruleBand: BAND,
        // The default deny, the customer's three entries, and room for three of Warden's.
        naclRuleQuota: 7,
        whenFull: 'evict-oldest',
        blockMinutes: 60,
        maxBlockMinutes: 240,
        allowList: [`${ALLOW_LISTED}/32`],
      },
    });
    const clock = new ManualClock(Date.parse('2026-03-01T10:00:00Z'));
    const actors = new AsyncLocalStorage<Actor>();
    const state: { interleaver?: Interleaver; plan?: () => ScriptedFault | 'TIMEOUT' } = {};
    const gate: Pluggable<any, any> = {
      applyToStack: (stack) => {
        stack.add(
          (next, context) => async (args) => {
            const actor = actors.getStore();
            // Credentials are one promise shared by every actor: gating their refresh could leave
            // one actor waiting on another's gated call, which the scheduler cannot see.
            const shared = (context as { clientName?: string }).clientName === 'STSClient';
            if (actor && state.interleaver && !shared) {
              if (actor.dead) throw new LambdaTimeout();
              await state.interleaver.gate(actor.id);
              if (actor.dead) throw new LambdaTimeout();
            }
            return next(args);
          },
          { step: 'initialize', name: 'chaosGate', priority: 'high' },
        );
      },
    };
    // No workflow is registered: the storm calls the tasks itself, as their functions.
    const warden = await startLocalWarden({
      config,
      members: [{ id: MEMBER, name: 'app', email: 'app@example.com' }],
      clock,
      workflows: [],
      clientMiddleware: gate,
    });
    warden.world.cloud.faults.script(() => {
      const actor = actors.getStore();
      if (!actor || !state.plan) return undefined;
      const fault = state.plan();
      if (fault === 'TIMEOUT') {
        // The invocation dies here: this call and every later one of the attempt fail.
        actor.dead = true;
        return 'SERVER_ERROR';
      }
      return fault;
    });
    return new ChaosBench(warden, clock, actors, state);
  }

  async stop(): Promise<void> {
    await this.warden.stop();
  }

  /**
   * Runs one scenario and checks every invariant after the reconciler. `number` names its
   * findings and ledger (a benchmark passes the run's number, so a replay names them alike).
   */
  async run(run: ChaosRun, number?: number): Promise<ChaosOutcome> {
    this.runs += 1;
    const n = number ?? this.runs;
    const random = mulberry32(run.seed);
    const faults: Record<string, number> = {};
    const outcome: ChaosOutcome = {
      violations: [],
      calls: 0,
      faults,
      blocked: 0,
      evicted: 0,
      retries: 0,
      abandoned: 0,
    };
    const ec2 = this.warden.world.services.ec2;
    const network = buildMemberNetwork(ec2, MEMBER, REGION, { subnets: 2 });
    const customer = addCustomerEntries(ec2, network);
    await this.emptyLedger();
    const deps = this.functions();
    const callsBefore = this.warden.world.cloud.calls.length;
    const executions: Execution[] = [];
    let actorIds = 0;

    const attempt = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
      for (let i = 1; i <= MAX_ATTEMPTS; i++) {
        const actor: Actor = { id: ++actorIds, dead: false };
        this.state.interleaver!.enter(actor.id);
        try {
          return await this.actors.run(actor, fn);
        } catch (error) {
          const name = (error as Error).name;
          if (!RETRIED.has(name) && !actor.dead) throw error;
          if (i === MAX_ATTEMPTS) {
            outcome.abandoned += 1;
            return undefined;
          }
          outcome.retries += 1;
        } finally {
          this.state.interleaver!.leave(actor.id);
        }
      }
      return undefined;
    };

    // Executions are set up (as the intake would) before a round's actors start, so that every
    // AWS call inside the round is an actor's, and the scheduler alone decides their order.
    const prepare = async (command: Command): Promise<Execution | undefined> => {
      let finding: Command = command;
      if (command.kind === 'repeat') {
        const original = executions[command.of % Math.max(1, executions.length)];
        if (!original) return undefined;
        finding = {
          kind: 'finding',
          addresses: original.addressIndexes,
          approval: false,
          mustNotBlock: false,
        };
      }
      if (finding.kind !== 'finding') return undefined;
      const addresses = finding.addresses.map((i) => ATTACKERS[i]!);
      if (finding.mustNotBlock) addresses.push(MUST_NOT_BLOCK[addresses.length % MUST_NOT_BLOCK.length]!);
      const execution = await this.startExecution(
        deps.intake,
        network,
        n,
        executions.length,
        addresses,
        finding.approval,
      );
      execution.approval = finding.approval;
      executions.push(execution);
      return execution;
    };

    const act = async (command: Command, prepared: Execution | undefined): Promise<void> => {
      if (command.kind === 'finding' || command.kind === 'repeat') {
        const execution = prepared;
        if (!execution) return;
        const state = await attempt(async () => {
          if (!execution.approval)
            return blockAddresses({ triage: execution.triage, executionArn: execution.arn }, deps.block);
          const resolution = await resolveNetworkAcls({ triage: execution.triage }, deps.resolve);
          return blockAddresses(
            {
              triage: execution.triage,
              executionArn: execution.arn,
              nacls: resolution.nacls,
              approvedBy: 'alice',
            },
            deps.block,
          );
        });
        execution.block = state;
        if (!state) execution.ended = true;
        return;
      }
      if (command.kind === 'extend') {
        const execution = executions[command.of % Math.max(1, executions.length)];
        if (!execution || execution.ended) return;
        const extendTo = new Date(this.clock.now() + 60 * 60_000).toISOString();
        await attempt(() =>
          new FindingsTable(deps.intake).recordUpdate(
            execution.findingId,
            new Date(this.clock.now()).toISOString(),
            2,
            extendTo,
          ),
        );
        return;
      }
      if (command.kind === 'lift') {
        const execution = executions[command.of % Math.max(1, executions.length)];
        if (!execution?.block || execution.ended || !execution.block.hasOwnedBlocks) return;
        const block = execution.block;
        const next = await attempt(() =>
          liftExpiredBlocks({ findingId: execution.findingId, block }, deps.lift),
        );
        if (next) execution.block = next;
        else execution.ended = true;
        return;
      }
      if (command.kind === 'reconcile') await attempt(() => reconcile(deps.reconcile));
    };

    const faultKinds: Array<ScriptedFault | 'TIMEOUT'> = [
      'THROTTLE',
      'SERVER_ERROR',
      'REPLY_LOST',
      'TIMEOUT',
    ];
    for (const round of run.rounds) {
      this.state.interleaver = new Interleaver(random);
      this.state.plan = () => {
        if (random() >= run.faultRate) return undefined;
        const fault = faultKinds[Math.floor(random() * faultKinds.length)];
        faults[fault!] = (faults[fault!] ?? 0) + 1;
        return fault;
      };
      const advances = round.filter((c) => c.kind === 'advance');
      const commands = round.filter((c) => c.kind !== 'advance');
      const prepared: (Execution | undefined)[] = [];
      for (const command of commands) prepared.push(await prepare(command));
      await Promise.all(commands.map((command, i) => act(command, prepared[i])));
      this.state.plan = undefined;
      // Time passes between rounds only, so no task attempt outlives the reconciler's grace period.
      for (const a of advances) if (a.kind === 'advance') await this.clock.advance(a.minutes * 60_000);
    }
    this.state.interleaver = undefined;
    outcome.calls = this.warden.world.cloud.calls.length - callsBefore;

    // After the storm: the reconciler, fault-free, once the grace period has passed.
    await this.clock.advance((GRACE_MINUTES + 1) * 60_000);
    await settle(() => reconcile(deps.reconcile));
    const ledger = new Ledger(this.warden.deps);
    outcome.violations.push(
      ...checkInvariants(entriesOf(ec2, network), customer, await settle(() => ledger.allActive()), network),
    );
    const records = await settle(() => ledger.records());
    outcome.blocked = records.length;
    outcome.evicted = records.filter((r) => r.removal === 'EVICTED').length;

    // And nothing is permanent: once every block has expired, the reconciler leaves no Warden entry.
    await this.clock.advance((240 + GRACE_MINUTES + 1) * 60_000);
    await settle(() => reconcile(deps.reconcile));
    const left = warden_entries(entriesOf(ec2, network), customer);
    if (left.length) outcome.violations.push(`entries left after every block expired: ${left.join(', ')}`);
    const rows = await settle(() => ledger.allActive());
    if (rows.length)
      outcome.violations.push(`ledger rows left after every block expired: ${rows.map(rowText).join(', ')}`);
    return outcome;
  }

  private async startExecution(
    deps: TaskDeps,
    network: MemberNetwork,
    run: number,
    index: number,
    addresses: string[],
    approval: boolean,
  ): Promise<Execution> {
    const findingId = `chaos-${run}-${index}`;
    const interfaces = networkInterfacesOf(network, { publicIp: INSTANCE_PUBLIC });
    const raw = makeFindingEvent({
      id: findingId,
      accountId: MEMBER,
      region: REGION,
      instanceId: network.instanceId,
      networkInterfaces: interfaces,
      type: approval ? 'UnauthorizedAccess:EC2/SSHBruteForce' : 'Recon:EC2/PortProbeUnprotectedPort',
      severity: 8,
      actionType: 'PORT_PROBE',
      portProbes: addresses.map((remoteIp, port) => ({
        localPortDetails: { port: 22 + port, portName: 'SSH' },
        remoteIpDetails: remoteIp.includes(':') ? { ipAddressV6: remoteIp } : { ipAddressV4: remoteIp },
      })),
    });
    const event = parseFindingEvent(raw);
    // What the intake does before it starts an execution (outside the storm: it is not under test here).
    const findings = new FindingsTable(deps);
    await settle(() => findings.putEvidence(findingId, event.detail.updatedAt, raw));
    await settle(() =>
      findings.put({
        pk: findingId,
        generation: 1,
        executionArn: `arn:aws:states:${REGION}:222222222222:execution:warden-response:${findingId}`,
        lastUpdatedAt: event.detail.updatedAt,
        lastCount: 1,
        decision: approval ? 'BLOCK_WITH_APPROVAL' : 'BLOCK_AUTO',
      }),
    );
    const triage = TriageSchema.parse(triageFinding(event, deps.config));
    return {
      findingId,
      arn: `arn:aws:states:${REGION}:222222222222:execution:warden-response:${findingId}`,
      triage,
      addressIndexes: addresses.map((a) => ATTACKERS.indexOf(a)).filter((i) => i >= 0),
      ended: false,
    };
  }

  /** Each task's deps as its deployed function has them: its role's credentials, its environment. */
  private functions() {
    const of = (id: string) => this.warden.functionDeps(id);
    return {
      intake: of('IntakeFinding'),
      resolve: of('ResolveNetworkAcls'),
      block: of('BlockAddresses'),
      lift: of('LiftExpiredBlocks'),
      reconcile: of('ReconcileBlocks'),
    };
  }

  /** Deletes every ledger item the runs before left (the bench's housekeeping, as the operator). */
  private async emptyLedger(): Promise<void> {
    const dynamo = tableClient(this.warden.deps);
    const table = this.warden.deps.tables.ledger;
    for (;;) {
      const page = await settle(() =>
        dynamo.send(new ScanCommand({ TableName: table, ProjectionExpression: 'pk, sk', Limit: 25 })),
      );
      const items = page.Items ?? [];
      if (items.length === 0) return;
      await settle(() =>
        dynamo.send(
          new BatchWriteCommand({
            RequestItems: { [table]: items.map((Key) => ({ DeleteRequest: { Key } })) },
          }),
        ),
      );
    }
  }
}

interface Execution {
  findingId: string;
  arn: string;
  triage: ReturnType<typeof TriageSchema.parse>;
  addressIndexes: number[];
  approval?: boolean;
  block?: BlockState;
  ended: boolean;
}

function reconcile(deps: TaskDeps) {
  return runTask(reconcileBlocksTask, { graceMinutes: GRACE_MINUTES }, deps);
}

/**
 * The bench's own calls outside the storm (the intake's writes, the final reconciler, the
 * invariant reads) retried as their workflows would retry them. The storm injects no fault
 * there, but the sockets to dynalite are real: a keep-alive connection the server closes while a
 * stalled process sends on it is reset, as AWS endpoints do too.
 */
async function settle<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (error) {
      const retried = (error as Error).name === 'TransientAwsError' || isTransient(error);
      if (!retried || i === SETTLE_ATTEMPTS) throw error;
      // Backing off as the workflows' Retry rules do, so a busy dynalite gets time to recover.
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** i));
    }
  }
}

/** As the reconcile workflow retries its task (workflows/reconcile.asl.json: MaxAttempts 6, with backoff). */
const SETTLE_ATTEMPTS = 6;

/** Errors after which the workflow tries the task again (its Retry rules), plus a timed-out invocation. */
const RETRIED = new Set(['TransientAwsError', 'BlockInTransitionError', 'Sandbox.Timedout']);

/** The customer's own entries: an ALLOW covering the first attacker below part of the band, and a deny in the band. */
function addCustomerEntries(
  ec2: LocalWarden['world']['services']['ec2'],
  network: MemberNetwork,
): Map<string, NaclEntry[]> {
  const customer = new Map<string, NaclEntry[]>();
  for (const naclId of network.naclIds) {
    ec2.addEntryByHand(naclId, {
      RuleNumber: 30,
      Protocol: '6',
      RuleAction: 'allow',
      Egress: false,
      CidrBlock: '198.51.100.0/31',
      PortRange: { From: 443, To: 443 },
    });
    ec2.addEntryByHand(naclId, {
      RuleNumber: 45,
      Protocol: '-1',
      RuleAction: 'deny',
      Egress: false,
      CidrBlock: '192.0.2.0/24',
    });
    customer.set(naclId, structuredClone(ec2.entries(naclId)));
  }
  return customer;
}

function entriesOf(
  ec2: LocalWarden['world']['services']['ec2'],
  network: MemberNetwork,
): Map<string, NaclEntry[]> {
  return new Map(network.naclIds.map((id) => [id, ec2.entries(id)]));
}

function key(e: NaclEntry): string {
  return `${e.Egress ? 'out' : 'in'} ${e.RuleNumber}`;
}

function warden_entries(entries: Map<string, NaclEntry[]>, customer: Map<string, NaclEntry[]>): string[] {
  const out: string[] = [];
  for (const [naclId, list] of entries) {
    const theirs = new Set((customer.get(naclId) ?? []).map(key));
    for (const e of list)
      if (!theirs.has(key(e))) out.push(`${naclId} ${e.RuleNumber} ${e.CidrBlock ?? e.Ipv6CidrBlock}`);
  }
  return out;
}

function rowText(r: { naclId: string; ruleNumber: number; cidr: string; state: string }): string {
  return `${r.naclId} ${r.ruleNumber} ${r.cidr} (${r.state})`;
}

/** ledger == NACL, no orphan, no duplicate, unique rule numbers, customer entries untouched, never-block held, every block effective. */
export function checkInvariants(
  entries: Map<string, NaclEntry[]>,
  customer: Map<string, NaclEntry[]>,
  rows: Awaited<ReturnType<Ledger['allActive']>>,
  network: MemberNetwork,
): string[] {
  const violations: string[] = [];
  for (const naclId of network.naclIds) {
    const list = entries.get(naclId) ?? [];
    const theirs = customer.get(naclId) ?? [];
    for (const mine of theirs) {
      const now = list.find((e) => key(e) === key(mine));
      if (JSON.stringify(now) !== JSON.stringify(mine))
        violations.push(`${naclId}: customer entry ${key(mine)} changed`);
    }
    const numbers = list.map(key);
    if (new Set(numbers).size !== numbers.length) violations.push(`${naclId}: rule numbers not unique`);
    const ours = list.filter((e) => !theirs.some((t) => key(t) === key(e)));
    const cidrs = ours.map((e) => e.CidrBlock ?? e.Ipv6CidrBlock);
    if (new Set(cidrs).size !== cidrs.length)
      violations.push(`${naclId}: duplicate deny for one address ${cidrs.join(', ')}`);
    const naclRows = rows.filter((r) => r.naclId === naclId);
    for (const e of ours) {
      const cidr = e.CidrBlock ?? e.Ipv6CidrBlock;
      if (MUST_NOT_BLOCK.some((a) => cidr === `${a}/32`))
        violations.push(`${naclId}: must-not-block ${cidr} denied`);
      if (e.RuleAction !== 'deny' || e.Egress || !/\/(32|128)$/.test(cidr ?? ''))
        violations.push(`${naclId}: entry ${key(e)} is not a host deny`);
      const named = naclRows.filter((r) => r.ruleNumber === e.RuleNumber && r.cidr === cidr);
      if (named.length !== 1)
        violations.push(`${naclId}: orphan entry ${e.RuleNumber} ${cidr} (${named.length} rows)`);
    }
    for (const r of naclRows) {
      const e = ours.find(
        (x) => x.RuleNumber === r.ruleNumber && (x.CidrBlock ?? x.Ipv6CidrBlock) === r.cidr,
      );
      if (!e) violations.push(`${naclId}: ledger row without its entry: ${rowText(r)}`);
      const allow = lowestCoveringAllow(list, r.cidr);
      if (allow !== undefined && r.ruleNumber > allow)
        violations.push(`${naclId}: block ${rowText(r)} is above the ALLOW at ${allow}: no effect`);
    }
  }
  return violations;
}
