/**
 * The report as one HTML document that opens offline: Chart.js's UMD build,
 * the page code and the data inlined, and a content security policy that
 * forbids the page any request (the live page may ask its own server only).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { drawReport, type LiveSource, type ReportData } from './page';

/** Chart.js's self-registering browser build, read from its installed package (its exports map hides dist/, so find it beside the main file). */
function chartLibrary(): string {
  const main = require.resolve('chart.js');
  return readFileSync(path.join(path.dirname(main), 'chart.umd.min.js'), 'utf8');
}

/** JSON safe inside a <script> element: no "</script" or "<!--" can form. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** Inline code must not close its own element. */
function scriptCode(code: string): string {
  return code.replace(/<\/script/gi, '<\\/script');
}

const STYLE = `
  body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1180px; padding: 0 16px; color: #111; }
  h1 { font-size: 22px; margin: 0 0 12px; } h2 { font-size: 17px; margin: 28px 0 10px; }
  #curves { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 14px; }
  figure { margin: 0; border: 1px solid #ddd; border-radius: 6px; padding: 8px 10px; }
  figcaption { font-weight: 600; margin-bottom: 4px; }
  .plot { position: relative; height: 250px; }
  #test .plot { height: 420px; max-width: 560px; }
  details.run { margin: 6px 0; } pre { background: #f6f6f6; padding: 8px; margin: 6px 0; font-size: 12px; }
  .header { display: flex; gap: 12px; align-items: flex-start; } pre.options { flex: 1; white-space: pre-wrap; overflow-wrap: anywhere; }
  table { border-collapse: collapse; margin: 10px 0 16px; } caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
  th, td { border: 1px solid #ddd; padding: 4px 9px; text-align: right; } th { background: #fafafa; }
  table.confusion td { min-width: 38px; text-align: center; font-variant-numeric: tabular-nums; }
  .note { color: #666; }
`;

function document(data: ReportData, live: LiveSource | null): string {
  const policy = live === null ? "default-src 'none'" : "default-src 'none'; connect-src 'self'";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${policy}; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title></title>
<style>${STYLE}</style>
<script>${scriptCode(chartLibrary())}</script>
</head>
<body>
<h1 id="title"></h1>
<section id="curves"></section>
<h2>Runs</h2>
<section id="runs"></section>
<section id="test"></section>
<script>(${scriptCode(drawReport.toString())})(${scriptJson(data)}, ${scriptJson(live)});</script>
</body>
</html>
`;
}

/** A self-contained report page: curves of every run, the summaries and options, and the test results when given. */
export function reportHtml(data: ReportData): string {
  return document(data, null);
}

/** A page that draws `initial` and then redraws from `live.url` (answering `{ runs }`) every `live.intervalMs`. */
export function liveReportHtml(data: ReportData, live: LiveSource): string {
  return document(data, live);
}
