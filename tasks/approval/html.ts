import { createHash } from 'node:crypto';
import { escapeHtml } from '../shared/escape-html';

/**
 * The HTML shell every approval page (and the local sign-in page) shares: self-contained, one
 * stylesheet allowed by its hash, and headers that forbid scripts, framing, caching and referrers.
 * Ids and ARNs (in `code`) may break anywhere to fit a phone's width; words and addresses
 * (`code.addr`) never break inside.
 * Text from findings is attacker-controlled (an attacker can name their own resources and trigger
 * findings), so everything interpolated goes through `escapeHtml`.
 */

const STYLE = `
:root{--ink:#1d2430;--muted:#5b6472;--line:#d9dee5;--bg:#f3f5f8;--ok:#17663a;--bad:#a4262c;--warn:#7a4f00}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--ink);background:var(--bg)}
header{background:var(--ink);color:#fff;padding:12px 24px;display:flex;justify-content:space-between;align-items:center}
header .brand{font-weight:700;letter-spacing:.04em}
header .who{font-size:13px;opacity:.85}
main{max-width:880px;margin:24px auto;padding:0 16px;overflow-wrap:break-word}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:20px 24px;margin-bottom:16px}
h1{font-size:22px;margin:0 0 6px}
h2{font-size:16px;margin:0 0 12px}
h3{font-size:14px;margin:16px 0 8px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
p{margin:0 0 8px}
.lead{color:var(--muted)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 20px;margin:0}
dt{color:var(--muted)}
dd{margin:0;min-width:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:break-word}
th{color:var(--muted);font-weight:600;font-size:13px}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eef1f5;padding:1px 5px;border-radius:4px;overflow-wrap:anywhere}
code.addr{overflow-wrap:normal;white-space:nowrap}
.scroll{overflow-x:auto}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600;background:#eef1f5;color:var(--ink)}
.badge.low{background:#e6f0fb;color:#1f4e89}.badge.medium{background:#fff3d6;color:var(--warn)}
.badge.high,.badge.critical{background:#fde7e9;color:var(--bad)}
.banner{border-radius:8px;padding:12px 16px;margin-bottom:16px;border:1px solid}
.banner.info{background:#eef5ff;border-color:#bcd4f6}
.banner.warn{background:#fff6e0;border-color:#f0d48a}
.banner.ok{background:#e9f6ee;border-color:#a9d8b9}
.banner.bad{background:#fdecee;border-color:#f1b3b8}
dl.rule{margin:0 0 12px;padding:0 0 8px;border-bottom:1px solid var(--line)}
label{display:block;font-weight:600;margin-bottom:4px}
textarea{width:100%;min-height:72px;font:inherit;padding:8px;border:1px solid var(--line);border-radius:6px;resize:vertical}
select{font:inherit;padding:6px 8px;border:1px solid var(--line);border-radius:6px;min-width:200px}
.actions{display:flex;gap:12px;margin-top:14px;flex-wrap:wrap}
form+p{margin-top:14px}
button{font:inherit;font-weight:600;padding:9px 20px;border-radius:6px;border:1px solid transparent;cursor:pointer}
button.approve{background:var(--ok);color:#fff}
button.reject{background:#fff;color:var(--bad);border-color:var(--bad)}
button.plain{background:var(--ink);color:#fff}
.muted{color:var(--muted);font-size:13px}
a{color:#1f5fbf}
@media (max-width:600px){header{padding:10px 12px}main{margin:12px auto;padding:0 8px}.card{padding:14px 12px}dl{grid-template-columns:1fr;gap:0}dt{margin-top:6px}th,td{padding:6px 4px}}
`.trim();

const STYLE_HASH = `sha256-${createHash('sha256').update(STYLE).digest('base64')}`;

/**
 * No script at all; only our own stylesheet (by hash, so no nonce has to be threaded through);
 * forms may only post back to us; nobody may frame the page (clickjacking an Approve button).
 */
export const CONTENT_SECURITY_POLICY = policyAllowing([]);

function policyAllowing(extraStyles: readonly string[]): string {
  const hashes = [STYLE_HASH, ...extraStyles.map(styleHash)].map((h) => `'${h}'`).join(' ');
  return [
    "default-src 'none'",
    `style-src ${hashes}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

function styleHash(css: string): string {
  return `sha256-${createHash('sha256').update(css).digest('base64')}`;
}

/** @param options.extraStyle the page's `extraStyle` (see HtmlPage), allowed by its hash. */
export function securityHeaders(options: { extraStyle?: string } = {}): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': options.extraStyle
      ? policyAllowing([options.extraStyle])
      : CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

export interface HtmlPage {
  title: string;
  /** Already-escaped HTML of `<main>`. */
  main: string;
  /** Shown at the top right, escaped here. */
  signedInAs?: string | null;
  /**
   * CSS a page adds after the shared stylesheet (the console's grid); it only applies when the
   * response carries `securityHeaders({ extraStyle })` with the same text.
   */
  extraStyle?: string;
}

export function renderDocument(page: HtmlPage): string {
  const who = page.signedInAs ? `<span class="who">Signed in as ${escapeHtml(page.signedInAs)}</span>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(page.title)} · Warden</title>
<style>${STYLE}</style>
${page.extraStyle ? `<style>${page.extraStyle}</style>\n` : ''}</head>
<body>
<header><span class="brand">WARDEN</span>${who}</header>
<main>
${page.main}
</main>
</body>
</html>
`;
}
