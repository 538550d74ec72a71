/// <reference lib="dom" />
/**
 * The code that runs in the report page (and in the training server's live
 * page). It is compiled with the rest of the package and inlined into the
 * HTML as the source text of `drawReport`, so it must stand alone: no
 * imports at run time, every helper nested inside. Chart.js is the global
 * `Chart` of its UMD build, inlined before it.
 */
import type { Chart as ChartClass, ChartConfiguration, ChartDataset } from 'chart.js';
import type { EpochRecord, RunHeader } from '../run-log';
import type { TestResults } from './test-results';

export interface PageRun {
  name: string;
  header: RunHeader | null;
  epochs: EpochRecord[];
}

export interface ReportData {
  title: string;
  runs: PageRun[];
  test: TestResults | null;
}

/** Live mode: fetch `url` (answering `{ runs }`) every `intervalMs` and redraw the curves. */
export interface LiveSource {
  url: string;
  intervalMs: number;
}

type Point = { x: number; y: number | null };

export function drawReport(initial: ReportData, live: LiveSource | null): void {
  const Chart = (window as unknown as { Chart: typeof ChartClass }).Chart;
  const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];
  /** Fields of an epoch line that are not curves: its number, the planned count, and the time (shown as samples/s). */
  const NOT_CURVES = new Set(['type', 'epoch', 'epochs', 'seconds']);
  const TITLES: Record<string, string> = {
    loss: 'Loss',
    accuracy: 'Accuracy',
    learningRate: 'Learning rate',
    samplesPerSecond: 'Training samples per second',
  };
  /** Curves drawn last, after the metrics. */
  const LAST = ['learningRate', 'samplesPerSecond'];

  function element<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    attributes: Record<string, string> = {},
    children: Array<Node | string> = [],
  ): HTMLElementTagNameMap[K] {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    for (const child of children) node.append(child);
    return node;
  }

  /** 'valF1' → 'f1', 'valLoss' → 'loss', 'accuracy' → 'accuracy'. */
  function metricOf(field: string): string {
    return /^val[A-Z]/.test(field) ? field[3].toLowerCase() + field.slice(4) : field;
  }

  /** Chart name → the epoch fields it draws, in the order charts appear. */
  function chartGroups(runs: PageRun[]): Map<string, string[]> {
    const fields = new Set<string>();
    for (const run of runs) {
      for (const epoch of run.epochs) {
        for (const [field, value] of Object.entries(epoch)) {
          if (!NOT_CURVES.has(field) && (typeof value === 'number' || value === null)) fields.add(field);
        }
      }
    }
    const groups = new Map<string, string[]>();
    const rank = (metric: string) => (metric === 'loss' ? 0 : LAST.includes(metric) ? 2 + LAST.indexOf(metric) : 1);
    const ordered = [...fields].sort((a, b) => rank(metricOf(a)) - rank(metricOf(b)) || metricOf(a).localeCompare(metricOf(b)) || a.length - b.length);
    for (const field of ordered) {
      const metric = metricOf(field);
      groups.set(metric, [...(groups.get(metric) ?? []), field]);
    }
    return groups;
  }

  function datasets(runs: PageRun[], fields: string[]): Array<ChartDataset<'line', Point[]>> {
    const sets: Array<ChartDataset<'line', Point[]>> = [];
    runs.forEach((run, r) => {
      for (const field of fields) {
        if (!run.epochs.some((e) => field in e)) continue;
        const validation = field.startsWith('val');
        const color = PALETTE[(runs.length > 1 ? r : validation ? 1 : 0) % PALETTE.length];
        sets.push({
          label: runs.length > 1 ? `${run.name} · ${field}` : field,
          data: run.epochs.map((e) => ({ x: e.epoch, y: typeof e[field] === 'number' ? (e[field] as number) : null })),
          borderColor: color,
          backgroundColor: color,
          borderDash: validation ? [6, 4] : [],
          borderWidth: 2,
          pointRadius: run.epochs.length > 60 ? 0 : 2,
        });
      }
    });
    return sets;
  }

  /** A logarithmic axis when the values span more than a decade (decaying learning rates, runs with different rates). */
  function scaleType(sets: Array<ChartDataset<'line', Point[]>>): 'linear' | 'logarithmic' {
    const values = sets.flatMap((s) => s.data.map((p) => p.y)).filter((y): y is number => y !== null);
    const min = Math.min(...values);
    return min > 0 && Math.max(...values) / min > 10 ? 'logarithmic' : 'linear';
  }

  function lineChart(canvas: HTMLCanvasElement, metric: string, sets: Array<ChartDataset<'line', Point[]>>): ChartClass {
    const config: ChartConfiguration<'line', Point[]> = {
      type: 'line',
      data: { datasets: sets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        spanGaps: false,
        scales: {
          x: { type: 'linear', title: { display: true, text: 'epoch' }, ticks: { precision: 0 } },
          y: { type: scaleType(sets), title: { display: true, text: TITLES[metric] ?? metric } },
        },
        plugins: { legend: { labels: { boxWidth: 14 } }, tooltip: { mode: 'nearest', intersect: false } },
      },
    };
    return new Chart(canvas, config);
  }

  function figure(name: string, caption: string): { node: HTMLElement; canvas: HTMLCanvasElement } {
    const canvas = element('canvas');
    const node = element('figure', { class: 'chart', 'data-chart': name }, [element('figcaption', {}, [caption]), element('div', { class: 'plot' }, [canvas])]);
    return { node, canvas };
  }

  /** The curves; redrawn in place when only the epochs grew, rebuilt when the set of charts changed. */
  const curves = { key: '', charts: new Map<string, ChartClass>() };
  function drawCurves(runs: PageRun[]): void {
    const container = document.getElementById('curves') as HTMLElement;
    const groups = chartGroups(runs);
    const key = JSON.stringify([...groups]) + runs.map((r) => r.name).join('\n');
    if (key === curves.key) {
      for (const [metric, fields] of groups) {
        const chart = curves.charts.get(metric) as ChartClass;
        chart.data.datasets = datasets(runs, fields);
        chart.update('none');
      }
      return;
    }
    for (const chart of curves.charts.values()) chart.destroy();
    curves.charts.clear();
    container.replaceChildren();
    curves.key = key;
    if (groups.size === 0) container.append(element('p', { class: 'note' }, ['No epoch finished yet.']));
    for (const [metric, fields] of groups) {
      const { node, canvas } = figure(metric, TITLES[metric] ?? metric);
      container.append(node);
      curves.charts.set(metric, lineChart(canvas, metric, datasets(runs, fields)));
    }
  }

  function drawRuns(runs: PageRun[]): void {
    const container = document.getElementById('runs') as HTMLElement;
    container.replaceChildren(
      ...runs.map((run) => {
        const last = run.epochs[run.epochs.length - 1];
        const facts = [
          `${run.epochs.length} epoch${run.epochs.length === 1 ? '' : 's'} logged`,
          last && typeof last.loss === 'number' ? `last loss ${last.loss.toPrecision(4)}` : '',
          run.header ? `${run.header.backend} engine, seed ${run.header.seed}, ${run.header.parameters} parameters, started ${run.header.started}` : '',
        ].filter((fact) => fact !== '');
        const children: Array<Node | string> = [element('summary', {}, [element('strong', {}, [run.name]), ` — ${facts.join('; ')}`])];
        if (run.header) {
          const { network, fit, rows } = run.header;
          const options = Object.entries({ network, fit, rows }).map(([key, value]) => `${key}: ${JSON.stringify(value)}`);
          children.push(element('div', { class: 'header' }, [element('pre', { class: 'summary' }, [run.header.summary]), element('pre', { class: 'options' }, [options.join('\n')])]));
        }
        return element('details', { class: 'run', open: '' }, children);
      }),
    );
  }

  function percent(value: number): string {
    return `${(100 * value).toFixed(1)}%`;
  }

  function drawClassification(section: HTMLElement, test: Extract<TestResults, { kind: 'classification' }>): void {
    section.append(element('p', {}, [`Accuracy ${percent(test.accuracy)} on ${test.cases} cases.`]));
    const head = element('tr', {}, [element('th', {}, ['true \\ predicted']), ...test.classes.map((name) => element('th', {}, [name]))]);
    const body = test.confusion.map((row, k) => {
      const support = row.reduce((a, b) => a + b, 0);
      return element('tr', {}, [
        element('th', {}, [test.classes[k]]),
        ...row.map((count) => {
          // Shade by the fraction of the true class's rows (the diagonal is recall), on a square-root scale so that a few confusions show.
          const share = support === 0 ? 0 : count / support;
          const shade = Math.sqrt(share);
          const style = `background: rgba(37, 99, 235, ${shade.toFixed(3)}); color: ${shade > 0.6 ? '#fff' : '#111'}`;
          return element('td', { 'data-count': String(count), style, title: `${percent(share)} of ${test.classes[k]}` }, [String(count)]);
        }),
      ]);
    });
    section.append(element('table', { class: 'confusion' }, [element('caption', {}, ['Confusion matrix (rows: true class; columns: predicted class)']), head, ...body]));
    const metrics = element('table', { class: 'per-class' }, [
      element('tr', {}, ['class', 'precision', 'recall', 'F1', 'support'].map((name) => element('th', {}, [name]))),
      ...test.perClass.map((m, k) =>
        element('tr', {}, [
          element('th', {}, [test.classes[k]]),
          ...[percent(m.precision), percent(m.recall), percent(m.f1), String(m.support)].map((text) => element('td', {}, [text])),
        ]),
      ),
    ]);
    section.append(metrics);
  }

  function drawRegression(section: HTMLElement, test: Extract<TestResults, { kind: 'regression' }>): void {
    section.append(element('p', {}, [`R² ${test.r2.toFixed(4)}, MAE ${test.mae.toPrecision(4)}, RMSE ${test.rmse.toPrecision(4)} on ${test.rows} rows.`]));
    const values = test.points.flatMap((pairs) => pairs.flatMap(([t, p]) => [t, p]));
    const low = Math.min(...values);
    const high = Math.max(...values);
    const { node, canvas } = figure('scatter', 'Predicted vs true');
    section.append(node);
    const sets: Array<ChartDataset<'scatter', Point[]>> = test.points.map((pairs, j) => ({
      label: test.outputs > 1 ? `output ${j + 1}` : 'rows',
      data: pairs.map(([x, y]) => ({ x, y })),
      backgroundColor: PALETTE[j % PALETTE.length],
      pointRadius: 2,
    }));
    sets.push({ label: 'predicted = true', data: [{ x: low, y: low }, { x: high, y: high }], showLine: true, borderColor: '#888', borderDash: [4, 4], pointRadius: 0 });
    const config: ChartConfiguration<'scatter', Point[]> = {
      type: 'scatter',
      data: { datasets: sets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { title: { display: true, text: 'true' } }, y: { title: { display: true, text: 'predicted' } } },
      },
    };
    new Chart(canvas, config);
  }

  function drawTest(test: TestResults | null): void {
    const section = document.getElementById('test') as HTMLElement;
    if (test === null) {
      section.remove();
      return;
    }
    section.append(element('h2', {}, [`Test data: ${test.source}`]));
    if (test.kind === 'classification') drawClassification(section, test);
    else drawRegression(section, test);
  }

  function draw(runs: PageRun[]): void {
    drawCurves(runs);
    drawRuns(runs);
    document.body.dataset.epochs = String(runs.reduce((sum, run) => sum + run.epochs.length, 0));
  }

  document.title = initial.title;
  (document.getElementById('title') as HTMLElement).textContent = initial.title;
  draw(initial.runs);
  drawTest(initial.test);
  document.body.dataset.ready = 'true';

  if (live !== null) {
    const poll = async (): Promise<void> => {
      try {
        const response = await fetch(live.url, { cache: 'no-store' });
        if (response.ok) draw(((await response.json()) as { runs: PageRun[] }).runs);
      } catch {
        // The server is restarting or gone: keep the curves drawn so far and ask again.
      } finally {
        setTimeout(() => void poll(), live.intervalMs);
      }
    };
    void poll();
  }
}
