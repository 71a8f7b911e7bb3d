import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A Vega-Lite spec without data; the data rows are passed separately so specs stay readable. */
export type ChartSpec = Omit<TopLevelSpec, 'data'> & Record<string, unknown>;

const CONFIG = {
  font: 'sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14 },
};

/**
 * Renders a Vega-Lite chart to SVG headless (vega View, renderer none) and writes it as `dir/name.svg`.
 * The SVG depends only on the spec and the rows, so regenerating gives identical bytes.
 */
export async function writeChart(dir: string, name: string, spec: ChartSpec, rows: Record<string, unknown>[]): Promise<string> {
  const full = { ...spec, data: { values: rows }, config: CONFIG, background: 'white' } as TopLevelSpec;
  // Gradient and clip ids come from process-wide counters; restart them so a chart's bytes do not depend on
  // how many charts this process drew before it.
  vega.resetSVGDefIds();
  const view = new vega.View(vega.parse(compile(full).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const file = `${name}.svg`;
    writeFileSync(path.join(dir, file), `${svg}\n`);
    return file;
  } finally {
    view.finalize();
  }
}
