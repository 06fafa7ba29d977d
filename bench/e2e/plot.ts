/**
 * The e2e chart: left, readings/s stored against readings/s offered for both pipelines (with
 * stored = offered, each pipeline's flat-out median and the raw InfluxDB ceiling); right, publish -> queryable latency p50 and
 * p99 (log scale) against readings/s offered.
 */
import { type ChartSeries, lineChart } from '../svg.js'
import type { StepResult } from './step.js'

const COLOURS = { streetsense: '#1f77b4', naive: '#b35c00' } as const

export function plotSvg(
  steps: StepResult[],
  ceilings: { raw: number; flatOut: Record<'streetsense' | 'naive', number> },
  title: string,
): string {
  const byPipeline = (['streetsense', 'naive'] as const).map((name) => ({
    name,
    steps: steps.filter((s) => s.pipeline === name).sort((a, b) => a.offered - b.offered),
  }))
  const stored: ChartSeries[] = byPipeline.map(({ name, steps: s }) => ({
    name: `${name} stored`,
    colour: COLOURS[name],
    points: s.map((p) => [p.offered, p.stored]),
  }))
  const latency: ChartSeries[] = byPipeline.flatMap(({ name, steps: s }) => [
    { name: `${name} p50`, colour: COLOURS[name], dash: '2 3', points: s.map((p) => [p.offered, p.p50]) },
    { name: `${name} p99`, colour: COLOURS[name], dash: '8 3', points: s.map((p) => [p.offered, p.p99]) },
  ])
  return lineChart(title, [
    {
      title: 'Throughput stored vs offered',
      xLabel: 'offered readings/s',
      yLabel: 'stored readings/s',
      series: stored,
      diagonal: true,
      lines: [
        { name: 'raw InfluxDB writes', colour: '#6a3d9a', value: ceilings.raw },
        { name: 'naive flat out', colour: COLOURS.naive, value: ceilings.flatOut.naive },
        { name: 'streetsense flat out', colour: COLOURS.streetsense, value: ceilings.flatOut.streetsense },
      ],
    },
    {
      title: 'Latency vs offered (log scale)',
      xLabel: 'offered readings/s',
      yLabel: 'publish → queryable (ms)',
      logY: true,
      series: latency,
    },
  ])
}
