/** `/`: the map of London's boroughs with every sensor, a filter form and a searchable list. */

import type { SensorRecord } from '../../registry/index.js'
import { BOROUGHS, boroughName } from '../../schemas/index.js'
import { type Silence, whenWords } from '../offline.js'
import { esc, page } from './html.js'
import { boroughView, type LondonMap, londonMap } from './london-map.js'

export interface IndexFilter {
  borough?: string
  kind?: string
  q?: string
}

const KIND_LABEL: Record<string, string> = { air: 'Air quality', traffic: 'Traffic' }

function matches(r: SensorRecord, f: IndexFilter): boolean {
  const e = r.entry
  if (f.borough && e.borough !== f.borough) return false
  if (f.kind && e.kind !== f.kind) return false
  if (f.q) {
    const hay = `${e.id} ${e.name} ${e.address ?? ''} ${boroughName(e.borough) ?? ''}`.toLowerCase()
    if (!hay.includes(f.q.toLowerCase())) return false
  }
  return true
}

function options(values: [string, string][], selected: string | undefined): string {
  return values
    .map(([v, label]) => `<option value="${esc(v)}"${v === (selected ?? '') ? ' selected' : ''}>${esc(label)}</option>`)
    .join('')
}

const plural = (n: number) => (n === 1 ? '' : 's')

function boroughPaths(map: LondonMap, selectedName: string | undefined): string {
  return map.boroughs
    .map(
      (b) =>
        `<path d="${b.path}" class="borough${b.name === selectedName ? ' selected' : ''}"><title>${esc(b.name)}</title></path>`,
    )
    .join('')
}

function marker(map: LondonMap, r: SensorRecord, radius: number): string {
  const e = r.entry
  const [x, y] = map.project(e.location.coordinates[0] as number, e.location.coordinates[1] as number)
  const label = `${e.name} (${KIND_LABEL[e.kind]}, ${boroughName(e.borough)})`
  return `<a href="/sensors/${encodeURIComponent(e.id)}" class="marker ${esc(e.kind)} status-${esc(e.status)}" data-sensor="${esc(e.id)}" aria-label="${esc(label)}"><title>${esc(label)}</title><circle cx="${x}" cy="${y}" r="${radius}"/></a>`
}

function listItem(r: SensorRecord, offline: Silence | undefined): string {
  const e = r.entry
  const silent = offline
    ? ` · <span class="offline">offline since <time datetime="${esc(offline.since)}">${esc(whenWords(offline.since))}</time></span>`
    : ''
  return `<li data-sensor="${esc(e.id)}" data-kind="${esc(e.kind)}" data-borough="${esc(e.borough)}" data-search="${esc(`${e.id} ${e.name} ${e.address ?? ''} ${boroughName(e.borough)}`.toLowerCase())}">
<a href="/sensors/${encodeURIComponent(e.id)}">${esc(e.name)}</a>
<span class="meta">${esc(KIND_LABEL[e.kind])} · ${esc(boroughName(e.borough))} · ${esc(e.status)}${silent} · <code>${esc(e.id)}</code></span></li>`
}

function filterForm(filter: IndexFilter): string {
  const boroughOptions = options(
    [['', 'All boroughs'], ...Object.entries(BOROUGHS).sort((a, b) => a[1].localeCompare(b[1]))],
    filter.borough,
  )
  const kindOptions = options(
    [
      ['', 'All types'],
      ['air', 'Air quality'],
      ['traffic', 'Traffic'],
    ],
    filter.kind,
  )
  return `<form class="filters" method="get" action="/" role="search" aria-label="Filter sensors">
<div><label for="f-borough">Borough</label><select id="f-borough" name="borough">${boroughOptions}</select></div>
<div><label for="f-kind">Type of sensor</label><select id="f-kind" name="kind">${kindOptions}</select></div>
<div><label for="f-q">Search by name, street or id</label><input id="f-q" name="q" type="search" value="${esc(filter.q ?? '')}" autocomplete="off"></div>
<div><button type="submit">Show sensors</button></div>
</form>`
}

/** The map, zoomed to the chosen borough; markers keep their size on screen. */
function mapFigure(shown: SensorRecord[], selectedName: string | undefined): string {
  const map = londonMap()
  const view = boroughView(map, selectedName)
  const radius = Math.round(12 * view.scale * 10) / 10
  const markers = shown.map((r) => marker(map, r, radius)).join('')
  return `<figure class="map">
<svg id="london-map" viewBox="${view.viewBox}" aria-labelledby="map-title" role="group" focusable="false">
<title id="map-title">Map of ${selectedName ? esc(selectedName) : "London's 33 boroughs"} with ${shown.length} sensor${plural(shown.length)}</title>
<g class="boroughs" aria-hidden="true">${boroughPaths(map, selectedName)}</g><g class="markers">${markers}</g>
</svg>
<figcaption><span class="key air">Air quality</span> <span class="key traffic">Traffic</span> <span class="key retired">Retired</span> · The list gives the same sensors in words.</figcaption>
</figure>`
}

function listSection(shown: SensorRecord[], offline: ReadonlyMap<string, Silence>): string {
  const list = shown.map((r) => listItem(r, offline.get(r.entry.id))).join('')
  return `<section class="list" aria-labelledby="list-title">
<h2 id="list-title"><span id="list-count">${shown.length}</span> sensor${plural(shown.length)}</h2>
${shown.length ? `<ul id="sensor-list">${list}</ul>` : '<p>No sensors match. Try another borough or search.</p>'}
<p class="downloads">Download the register: <a href="/v1/sensors?format=csv">CSV</a>, <a href="/v1/sensors?format=geojson">GeoJSON</a>, <a href="/v1/sensors">JSON</a>.</p>
</section>`
}

/** `offline`: the sensors silent for more than two intervals (offline.ts), said in the list. */
export function indexPage(
  records: SensorRecord[],
  filter: IndexFilter,
  offline: ReadonlyMap<string, Silence> = new Map(),
): string {
  const shown = records.filter((r) => matches(r, filter))
  const selectedName = filter.borough ? boroughName(filter.borough) : undefined
  const body = `<h1>Sensors in London's streets</h1>
<p class="lead">Every sensor on this register is listed with what it measures, why it is there, who runs it and what happens to the data. Choose a sensor on the map or in the list to see what it reads now.</p>
${filterForm(filter)}
<div class="layout">
${mapFigure(shown, selectedName)}
${listSection(shown, offline)}
</div>`
  return page({ title: 'Map and list', body, bodyAttrs: 'data-page="index"' })
}
