/**
 * `backprop/report`: training reports. Read run logs, measure a model on
 * test data, and write one self-contained HTML page of it all. Chart.js is
 * read from its package only when a page is made: importing `backprop`
 * never loads this module.
 */
import { writeFileAtomic } from '../io/atomic-file';
import { reportHtml } from './html';
import type { PageRun } from './page';
import { readRunLog } from './read-log';
import type { TestResults } from './test-results';

export { parseRunLog, readRunLog, type Run } from './read-log';
export { testResults, type ClassificationResults, type ClassMetrics, type RegressionResults, type TestData, type TestResults } from './test-results';
export { liveReportHtml, reportHtml } from './html';
export type { LiveSource, PageRun, ReportData } from './page';
export { epochRecord, type EpochRecord, type RunHeader, type RunLogLine } from '../run-log';

export interface ReportOptions {
  /** Run logs; every run of every file is drawn, overlaid. */
  logs?: string[];
  /** Runs already in memory (drawn after those of `logs`). */
  runs?: PageRun[];
  test?: TestResults | null;
  /** Default 'Training report'. */
  title?: string;
}

/** Writes the report page to `out` (atomically). */
export async function writeReport(out: string, options: ReportOptions): Promise<void> {
  const runs: PageRun[] = [];
  for (const log of options.logs ?? []) runs.push(...(await readRunLog(log)));
  runs.push(...(options.runs ?? []));
  const html = reportHtml({ title: options.title ?? 'Training report', runs, test: options.test ?? null });
  await writeFileAtomic(out, Buffer.from(html, 'utf8'));
}
