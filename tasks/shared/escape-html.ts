import { showBidiControls } from './bidi';

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Text for HTML: every page Warden serves or writes (the approval page, the local console, the
 * audit report) interpolates untrusted text (resource names, finding fields, histories) through
 * here only; bidirectional controls are shown, not obeyed (see bidi.ts). An absent value (null or undefined) renders as nothing, not as the word "null".
 */
export function escapeHtml(value: unknown): string {
  return showBidiControls(String(value ?? '')).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
