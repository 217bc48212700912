import { h } from '../dom.js';
import type { CommissionSeries } from '../types.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 720;
const HEIGHT = 180;
const PAD = { top: 10, right: 8, bottom: 22, left: 56 };

function svg(tag: string, attrs: Record<string, string | number>, ...children: (Node | string)[]): SVGElement {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child);
  return element;
}

/**
 * Commission over time as bars: per day, earned (created) beside approved. Drawn as inline SVG, so
 * nothing is loaded; the picture is one image with a name that says its gist, and the same figures
 * follow in a table for screen readers and for anyone who wants the numbers.
 */
export function commissionChart(series: CommissionSeries): HTMLElement {
  const amount = (s: string) => Number(s);
  const max = Math.max(0, ...series.items.flatMap((d) => [amount(d.earned.amount), amount(d.approved.amount)]));
  const total = (key: 'earned' | 'approved') => series.items.reduce((sum, d) => sum + amount(d[key].amount), 0).toFixed(2);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(series.items.length, 1);
  const bar = Math.max(1, slot / 2 - 1);
  const y = (v: number) => PAD.top + plotH - (max > 0 ? (v / max) * plotH : 0);
  const label = `Commission per day from ${series.from} to ${series.to}: ${total('earned')} ${series.currency} earned, ${total('approved')} ${series.currency} approved`;

  const picture = svg(
    'svg',
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': label, class: 'chart' },
    svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(0), y2: y(0), class: 'axis' }),
    svg('text', { x: PAD.left - 6, y: y(max) + 4, 'text-anchor': 'end', class: 'tick' }, max.toFixed(2)),
    svg('text', { x: PAD.left - 6, y: y(0) + 4, 'text-anchor': 'end', class: 'tick' }, '0'),
    svg('text', { x: PAD.left, y: HEIGHT - 4, class: 'tick' }, series.from),
    svg('text', { x: WIDTH - PAD.right, y: HEIGHT - 4, 'text-anchor': 'end', class: 'tick' }, series.to),
    ...series.items.flatMap((d, i) => {
      const x = PAD.left + i * slot;
      const bars: SVGElement[] = [];
      for (const [key, offset, cls] of [
        ['earned', 0, 'earned'],
        ['approved', bar + 1, 'approved'],
      ] as const) {
        const v = amount(d[key].amount);
        if (v > 0) bars.push(svg('rect', { x: x + offset, y: y(v), width: bar, height: y(0) - y(v), class: cls }, svg('title', {}, `${d.day}: ${d[key].amount} ${series.currency} ${key}`)));
      }
      return bars;
    }),
  );

  const days = series.items.filter((d) => d.earned.count || d.approved.count || d.reversed.count);
  return h(
    'figure',
    { class: 'chart' },
    picture,
    h('figcaption', {}, h('span', { class: 'key earned' }, 'Earned'), ' ', h('span', { class: 'key approved' }, 'Approved'), ` · ${series.currency}, per UTC day`),
    h(
      'details',
      {},
      h('summary', {}, 'The figures'),
      days.length
        ? h(
            'table',
            { 'aria-label': 'Commission per day' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, 'Day'),
                h('th', { scope: 'col', class: 'num' }, 'Earned'),
                h('th', { scope: 'col', class: 'num' }, 'Approved'),
                h('th', { scope: 'col', class: 'num' }, 'Reversed'),
              ),
            ),
            h(
              'tbody',
              {},
              days.map((d) =>
                h('tr', {}, h('td', {}, d.day), h('td', { class: 'num' }, d.earned.amount), h('td', { class: 'num' }, d.approved.amount), h('td', { class: 'num' }, d.reversed.amount)),
              ),
            ),
          )
        : h('p', {}, 'No commission in these days.'),
    ),
  );
}
