// An hourly chart as SVG: stacked bars of successes and failures, a line of average latency,
// a <title> on every bar, and the same numbers in a visually hidden table for screen readers.
import { h, svg, when } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';

export function hourlyChart(series, caption) {
  const width = 760, height = 220, left = 40, right = 40, top = 10, bottom = 24;
  const plotWidth = width - left - right, plotHeight = height - top - bottom;
  const maxCount = Math.max(1, ...series.map((p) => p.deliveries));
  const maxLatency = Math.max(1, ...series.map((p) => p.average_response_time ?? 0));
  const step = plotWidth / Math.max(1, series.length);
  const barWidth = Math.max(1, step * 0.8);
  // Two paths draw every bar (successes, failures); one transparent rectangle per hour
  // carries that hour's <title>. Half the elements of a group per bar, which a 744-hour
  // range needs to draw in time.
  let okPath = '', badPath = '';
  const marks = [];
  const points = [];
  const base = top + plotHeight;
  series.forEach((point, index) => {
    const x = left + index * step;
    if (point.deliveries > 0) {
      const okHeight = (point.successes / maxCount) * plotHeight;
      const badHeight = (point.failures / maxCount) * plotHeight;
      if (okHeight > 0) okPath += `M${x.toFixed(1)} ${base.toFixed(1)}` +
        `h${barWidth.toFixed(1)}v${(-okHeight).toFixed(1)}h${(-barWidth).toFixed(1)}z`;
      if (badHeight > 0) badPath += `M${x.toFixed(1)} ${(base - okHeight).toFixed(1)}` +
        `h${barWidth.toFixed(1)}v${(-badHeight).toFixed(1)}h${(-barWidth).toFixed(1)}z`;
      const label = `${when(point.hour)}: ${point.successes} succeeded, ${point.failures} failed` +
        (point.average_response_time != null ? `, ${point.average_response_time} ms average` : '');
      const mark = document.createElementNS(SVG, 'rect');
      mark.setAttribute('class', 'hit');
      mark.setAttribute('x', x.toFixed(1));
      mark.setAttribute('y', String(top));
      mark.setAttribute('width', step.toFixed(2));
      mark.setAttribute('height', String(plotHeight));
      const title = document.createElementNS(SVG, 'title');
      title.textContent = label;
      mark.append(title);
      marks.push(mark);
    }
    if (point.average_response_time != null) {
      points.push(`${(x + barWidth / 2).toFixed(1)},` +
        `${(top + plotHeight - (point.average_response_time / maxLatency) * plotHeight).toFixed(1)}`);
    }
  });
  const bars = [svg('path', { class: 'ok', d: okPath || 'M0 0' }), svg('path', { class: 'bad', d: badPath || 'M0 0' }), marks];
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
  // Up to a week the hourly numbers sit in a visually hidden table for screen readers; a
  // longer range (up to 744 hours) builds its table only when asked for, since laying out a
  // table that long costs several times the chart.
  const data = series.length <= 168
    ? dataTable(series, caption, 'visually-hidden')
    : lazyTable(series, caption);
  return h('figure', { class: 'chart card' },
    h('div', { class: 'legend' }, h('span', {}, h('span', { class: 'swatch ok' }), 'Succeeded'), h('span', {}, h('span',
      { class: 'swatch bad' }), 'Failed'), h('span', {}, h('span', { class: 'swatch latency' }), 'Average latency')),
    chart, data);
}

function dataTable(series, caption, className) {
  return h('table', { class: className },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ['Hour', 'Deliveries', 'Successes', 'Failures', 'Average ms'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, series.map((p) => h('tr', {}, h('td', {}, p.hour), h('td', {}, p.deliveries), h('td', {}, p.successes), h('td', {},
      p.failures), h('td', {}, p.average_response_time ?? '')))));
}

function lazyTable(series, caption) {
  const details = h('details', { class: 'chart-table' }, h('summary', {}, `Data table (${series.length} hours)`));
  details.addEventListener('toggle', () => {
    if (details.open && details.childElementCount === 1) details.append(dataTable(series, caption, ''));
  });
  return details;
}
