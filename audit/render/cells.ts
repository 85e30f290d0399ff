import type { AuditStory } from '../model';
import { isApplied } from './summary';

/** Short texts for one story's columns, shared by the table and the CSV. */
export function triggerText(story: AuditStory): string {
  const t = story.trigger;
  if (!t) return '';
  switch (t.kind) {
    case 'guardduty-finding':
      return `${t.type ?? 'finding'} sev ${t.severity ?? '?'} in ${t.accountId ?? '?'}/${t.region ?? '?'}`;
    case 'control-tower':
      return `Control Tower ${t.eventName ?? 'event'} for ${t.accountId ?? '?'}${t.accountName ? ` (${t.accountName})` : ''}`;
    case 'request':
      return `${t.source} request for ${t.accounts.join(' ')}`;
    case 'unknown':
      return t.summary;
  }
}

export function approvalText(story: AuditStory): string {
  const a = story.approval;
  if (!a) return '';
  const who = a.approver ? ` by ${a.approver}` : '';
  const when = a.latencySeconds !== null ? ` after ${duration(a.latencySeconds)}` : '';
  if (a.outcome === 'TIMED_OUT') {
    return `TIMED_OUT after ${duration(a.latencySeconds ?? 0)}${a.onTimeout === 'BLOCKED_BY_POLICY' ? ' (blocked by policy)' : ''}`;
  }
  return `${a.outcome}${who}${a.approver ? when : ''}`;
}

export function naclText(story: AuditStory): string {
  return story.naclChanges
    .map((c) => `${c.cidr} ${c.naclId}${c.ruleNumber !== null ? ` rule ${c.ruleNumber}` : ''} ${c.outcome}`)
    .join('; ');
}

export function liftText(story: AuditStory): string {
  return story.lifts.map((l) => `${l.cidr} ${l.naclId} ${l.outcome} at ${l.at}`).join('; ');
}

export function blockedCount(story: AuditStory): number {
  return story.naclChanges.filter((c) => isApplied(c.outcome)).length;
}

/** 95 → `1m35s`; 3600 → `1h0m`. */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}
