/**
 * The console's one HTML page: a shell the browser modules fill. The style sheet is inline so the
 * page is one request before its modules; colours keep a 4.5:1 contrast and focus is always drawn,
 * since the console is meant to be worked from the keyboard.
 */
export function consolePage(): string {
  return shell('partner-ledger console', '<nav id="nav" aria-label="Console"></nav>', 'Loading the console…', '/console/assets/main.js');
}

/**
 * A partner's portal page: the same shell and style, no navigation (the link shows one partner and
 * nothing else). Its module reads the token from the fragment, which the browser never sends.
 */
export function partnerPortalPage(): string {
  return shell('Partner portal · partner-ledger', '', 'Loading your portal…', '/console/assets/portal.js');
}

/**
 * A webhook endpoint's consumer portal page: no navigation either (the link reaches one endpoint).
 * Its module reads the token from the fragment, as the partner portal's does.
 */
export function webhookEndpointPortalPage(): string {
  return shell('Webhook portal · partner-ledger', '', 'Loading the webhook portal…', '/console/assets/webhook-portal.js');
}

function shell(title: string, nav: string, loading: string, script: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <span class="brand">partner-ledger</span>
  ${nav}
</header>
<main id="main" tabindex="-1"><p>${loading}</p></main>
<div id="status" class="status" role="status" aria-live="polite"></div>
<noscript><p>This page needs JavaScript.</p></noscript>
<script type="module" src="${script}"></script>
</body>
</html>
`;
}

const STYLE = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #4d5661; --line: #d4d9df; --accent: #0b5cad; --bad: #a4161a; --good: #1a6b33; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: #fff; padding: 6px 10px; z-index: 10; }
.top { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #14213d; color: #fff; }
.brand { font-weight: 700; letter-spacing: .02em; }
.top nav { display: flex; gap: 4px; align-items: center; flex: 1; }
.top nav a { color: #fff; padding: 6px 10px; border-radius: 4px; text-decoration: none; }
.top nav a[aria-current="page"] { background: #2c3e66; }
.top nav .spacer { flex: 1; }
.top nav button { background: transparent; color: #fff; border-color: #8896b3; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 24px 48px; }
main:focus { outline: none; }
h1 { font-size: 1.5rem; margin: 0 0 4px; }
h1:focus { outline: none; }
h2 { font-size: 1.1rem; margin: 24px 0 8px; }
.sub { color: var(--muted); margin: 0 0 16px; }
section.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 14px 16px; margin: 0 0 16px; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: .85rem; text-transform: uppercase; letter-spacing: .03em; }
th[scope="row"] { text-transform: none; letter-spacing: 0; font-size: inherit; color: var(--ink); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
form.row, div.row, .toolbar { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-end; margin: 8px 0 12px; }
.field { display: flex; flex-direction: column; gap: 3px; }
.field label { font-size: .85rem; color: var(--muted); }
.inline { display: flex; flex-direction: row-reverse; align-items: center; gap: 6px; }
.inline label { color: var(--ink); font-size: .95rem; }
input, select, button { font: inherit; padding: 6px 9px; border: 1px solid #8a939e; border-radius: 4px; background: #fff; color: var(--ink); }
input[type="checkbox"] { width: 18px; height: 18px; }
button { cursor: pointer; background: var(--accent); color: #fff; border-color: var(--accent); }
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
button:disabled { opacity: .55; cursor: default; }
:focus-visible { outline: 3px solid #f4a300; outline-offset: 2px; }
a { color: var(--accent); }
.totals { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; }
.total { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.total .name { display: block; color: var(--muted); font-size: .85rem; }
.total .amount { display: block; margin: 2px 0 0; font-size: 1.25rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.total small { display: block; font-size: .85rem; color: var(--muted); }
ul.plain { list-style: none; margin: 0; padding: 0; }
.flag { display: inline-block; background: #fff4e5; color: #7a4100; border: 1px solid #e0a458; border-radius: 3px; padding: 0 5px; font-size: .8rem; }
.badge { display: inline-block; border-radius: 3px; padding: 0 6px; font-size: .8rem; border: 1px solid var(--line); }
.badge.PENDING, .badge.DRAFT { background: #fff8d6; } .badge.APPROVED, .badge.ACTIVE, .badge.PAID { background: #e3f4e8; } .badge.DENIED, .badge.DISABLED, .badge.CANCELLED { background: #fde8e8; }
figure.chart { margin: 8px 0 16px; } svg.chart { width: 100%; max-width: 720px; height: auto; background: #fff; border: 1px solid var(--line); }
svg.chart .axis { stroke: #6b7280; } svg.chart .tick { font-size: 11px; fill: #374151; }
svg.chart .earned, .key.earned::before { fill: #1d4ed8; background: #1d4ed8; } svg.chart .approved, .key.approved::before { fill: #15803d; background: #15803d; }
.key::before { content: ''; display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
ol.timeline { padding-left: 1.2rem; } ol.timeline li { margin: 0 0 10px; }
pre.json { font-family: ui-monospace, monospace; font-size: .85rem; background: #f6f8fa; border: 1px solid var(--line); padding: 8px; overflow-x: auto; max-width: 70ch; }
.error { color: var(--bad); }
.secret { font-family: ui-monospace, monospace; background: #fff8d6; padding: 8px; border: 1px solid #e0c050; border-radius: 4px; word-break: break-all; }
.status { position: fixed; bottom: 12px; right: 16px; background: #14213d; color: #fff; padding: 6px 12px; border-radius: 4px; }
.status:empty { display: none; }
.muted { color: var(--muted); }
.nowrap { white-space: nowrap; }
pre.payload { font-family: ui-monospace, monospace; font-size: .85rem; background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: 8px 10px; margin: 4px 0; overflow: auto; max-height: 320px; }
pre.payload.sample { max-height: 240px; }
.note { flex-basis: 100%; margin: -6px 0 0; font-size: .85rem; }
.good { color: var(--good); }
ul.warnings { color: #7a4100; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
dl.facts dt { color: var(--muted); font-weight: 600; }
dl.facts dd { margin: 0; }
summary { cursor: pointer; color: var(--accent); }
code { font-family: ui-monospace, monospace; font-size: .9em; }
fieldset.checks { display: flex; flex-wrap: wrap; gap: 6px 18px; border: 1px solid var(--line); border-radius: 4px; margin: 0 0 12px; padding: 8px 12px; }
fieldset.checks legend { font-size: .85rem; color: var(--muted); padding: 0 4px; }
ol.attempts { margin: 0; padding-left: 18px; font-size: .9rem; }
.excerpt { color: var(--muted); word-break: break-all; }
.good { color: var(--good); }
.badge.ENABLED, .badge.delivered, .badge.SUCCEEDED { background: #e3f4e8; } .badge.dead, .badge.FAILED { background: #fde8e8; } .badge.pending, .badge.QUEUED, .badge.RUNNING { background: #fff8d6; }
`;
