import { writeFileSync } from 'node:fs';
import * as echarts from 'echarts';
import { launchBrowser } from '../test/support/browser.js';
import type { SweepFigures } from './sweep.js';

/**
 * Throughput and p99 latency of the admin create against offered load, drawn with echarts'
 * server-side SVG renderer, then rasterised by chromium (playwright-core) into a PNG.
 */
export async function renderChart(sweep: SweepFigures, pngPath: string, note: string): Promise<void> {
  const width = 1000;
  const height = 560;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    title: {
      text: 'Admin create-charge under offered load (PostgreSQL)',
      subtext: note,
      left: 'center',
    },
    legend: { top: 60, data: ['throughput (req/s)', 'p99 latency (ms)', 'offered = achieved'] },
    grid: { top: 100, left: 80, right: 90, bottom: 70 },
    xAxis: { type: 'value', name: 'offered load (req/s)', nameLocation: 'middle', nameGap: 35 },
    yAxis: [
      { type: 'value', name: 'req/s', position: 'left' },
      { type: 'value', name: 'p99 ms', position: 'right', splitLine: { show: false } },
    ],
    series: [
      {
        name: 'throughput (req/s)',
        type: 'line',
        yAxisIndex: 0,
        symbolSize: 7,
        data: sweep.points.map((p) => [p.offered, Math.round(p.rps)]),
      },
      {
        name: 'offered = achieved',
        type: 'line',
        yAxisIndex: 0,
        symbol: 'none',
        lineStyle: { type: 'dashed', color: '#999' },
        itemStyle: { color: '#999' },
        data: [
          [0, 0],
          [sweep.points.at(-1)!.offered, sweep.points.at(-1)!.offered],
        ],
      },
      {
        name: 'p99 latency (ms)',
        type: 'line',
        yAxisIndex: 1,
        symbolSize: 7,
        data: sweep.points.map((p) => [p.offered, Number(p.p99.toFixed(1))]),
        markLine: {
          symbol: 'none',
          label: { formatter: 'p99 target 25 ms', position: 'insideEndTop' },
          lineStyle: { color: '#c00', type: 'dotted' },
          data: [{ yAxis: 25 }],
        },
      },
    ],
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.setContent(`<!doctype html><html><body style="margin:0;background:#fff">${svg}</body></html>`);
    writeFileSync(pngPath, await page.screenshot({ clip: { x: 0, y: 0, width, height } }));
  } finally {
    await browser.close();
  }
}
