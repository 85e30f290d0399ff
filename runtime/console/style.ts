/**
 * The console's additions to the approval pages' stylesheet (tasks/approval/html.ts): a wider
 * page, the coverage grid's status cells and the audit story's parts. Served as a second style
 * element that the CSP allows by its hash, so the console keeps the approval pages' policy.
 *
 * Every status colour pairs dark text on a light fill at a contrast of at least 4.5:1, and no
 * status is told by colour alone: each cell also carries its word and a mark.
 */
export const CONSOLE_STYLE = `
main{max-width:1200px}
.jump{display:flex;gap:16px;flex-wrap:wrap;font-size:14px;margin:4px 0 0}
.figures{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0 0}
.figure{border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:150px;background:#fafbfc}
.figure strong{display:block;font-size:22px;line-height:1.2}
.figure span{color:var(--muted);font-size:13px}
.legend{display:grid;gap:6px;margin:0 0 12px;padding:0;list-style:none}
.scroll{overflow-x:auto}
table.grid th[scope=row]{white-space:nowrap;color:var(--ink);font-weight:600;font-size:14px}
table.grid td{white-space:nowrap}
.cell{display:inline-block;padding:2px 10px;border-radius:999px;font-size:13px;font-weight:600;border:1px solid;white-space:nowrap}
.cell.ok{background:#e9f6ee;color:#17663a;border-color:#a9d8b9}
.cell.pending{background:#fff6e0;color:#7a4f00;border-color:#f0d48a}
.cell.bad{background:#fdecee;color:#a4262c;border-color:#f1b3b8}
.cell.none{background:#f3f5f8;color:#4a5260;border-color:#d9dee5}
.cell.off{background:#fff;color:#4a5260;border-color:#aab2bd;border-style:dashed}
.cell.info{background:#eef5ff;color:#1f4e89;border-color:#bcd4f6}
th,td{overflow-wrap:break-word}
th{white-space:nowrap}
td code{white-space:nowrap}
.nowrap{white-space:nowrap}
.num{font-variant-numeric:tabular-nums;text-align:right}
td time{white-space:nowrap}
.empty{color:var(--muted);font-style:italic;margin:0}
.crumbs{margin:0 0 12px;font-size:14px}
.story h3{font-size:18px;margin:0 0 6px;color:var(--ink);text-transform:none;letter-spacing:normal;overflow-wrap:anywhere}
.story .outcome{font-weight:600;margin:0 0 12px}
.story h4{font-size:13px;margin:18px 0 8px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.story th,.story td{overflow-wrap:break-word}
.story dd{min-width:0;overflow-wrap:anywhere}
@media (max-width:600px){main{padding:0 8px}.card{padding:14px 10px}}
.story th{white-space:normal}
.story td{white-space:pre-wrap;font-size:14px}
.story details{margin-top:16px}
.story summary{cursor:pointer;font-weight:600}
.decision{font-weight:600;font-size:13px;white-space:nowrap}
.notifications{list-style:none;margin:0;padding:0;display:grid;gap:12px}
.notification{border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.notification .meta{margin:0 0 4px;color:var(--muted);font-size:13px}
.notification h3{font-size:16px;margin:0 0 6px;color:var(--ink);text-transform:none;letter-spacing:normal;overflow-wrap:anywhere}
.notification .text{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;font-size:14px}
.timeline{margin:8px 0 0;padding-left:24px}
.timeline time{color:var(--muted);font-variant-numeric:tabular-nums}
.timeline .type{color:var(--muted);font-size:12px}
`.trim();
