// An hourly chart as SVG: stacked bars of successes and failures, a line of average latency,
// a <title> on every bar, and the same numbers in a visually hidden table for screen readers.
import { h, svg, when } from './dom.js';

export function hourlyChart(series, caption) {
  const width = 760, height = 220, left = 40, right = 40, top = 10, bottom = 24;
  const plotWidth = width - left - right, plotHeight = height - top - bottom;
  const maxCount = Math.max(1, ...series.map((p) => p.deliveries));
  const maxLatency = Math.max(1, ...series.map((p) => p.average_response_time ?? 0));
  const step = plotWidth / Math.max(1, series.length);
  const barWidth = Math.max(1, step * 0.8);
  const bars = [];
  const points = [];
  series.forEach((point, index) => {
    const x = left + index * step;
    const okHeight = (point.successes / maxCount) * plotHeight;
    const badHeight = (point.failures / maxCount) * plotHeight;
    const label = `${when(point.hour)}: ${point.successes} succeeded, ${point.failures} failed` + (point.average_response_time != null ? `, ${point.average_response_time} ms average` : '');
    if (point.deliveries > 0) {
      bars.push(svg('g', {}, svg('title', {}, label),
        svg('rect', { class: 'ok', x: x.toFixed(1), y: (top + plotHeight - okHeight).toFixed(1), width: barWidth.toFixed(1), height: okHeight.toFixed(1) }),
        svg('rect', { class: 'bad', x: x.toFixed(1), y: (top + plotHeight - okHeight - badHeight).toFixed(1), width: barWidth.toFixed(1), height: badHeight.toFixed(1) })));
    }
    if (point.average_response_time != null) points.push(`${(x + barWidth / 2).toFixed(1)},${(top + plotHeight - (point.average_response_time / maxLatency) * plotHeight).toFixed(1)}`);
  });
  const first = series[0]?.hour, last = series[series.length - 1]?.hour;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': caption },
    svg('line', { class: 'axis', x1: left, y1: top + plotHeight, x2: width - right, y2: top + plotHeight }),
    svg('text', { x: 2, y: top + 10 }, String(maxCount)),
    svg('text', { x: 2, y: top + plotHeight }, '0'),
    svg('text', { x: width - right + 4, y: top + 10 }, `${maxLatency} ms`),
    first ? svg('text', { x: left, y: height - 6 }, when(first)) : null,
    last ? svg('text', { x: width - right, y: height - 6, 'text-anchor': 'end' }, when(last)) : null,
    bars,
    points.length > 1 ? svg('polyline', { class: 'latency', points: points.join(' ') }) : null);
  const table = h('table', { class: 'visually-hidden' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ['Hour', 'Deliveries', 'Successes', 'Failures', 'Average ms'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, series.map((p) => h('tr', {}, h('td', {}, p.hour), h('td', {}, p.deliveries), h('td', {}, p.successes), h('td', {}, p.failures), h('td', {}, p.average_response_time ?? '')))));
  return h('figure', { class: 'chart card' },
    h('div', { class: 'legend' }, h('span', {}, h('span', { class: 'swatch ok' }), 'Succeeded'), h('span', {}, h('span', { class: 'swatch bad' }), 'Failed'), h('span', {}, h('span', { class: 'swatch latency' }), 'Average latency')),
    chart, table);
}
