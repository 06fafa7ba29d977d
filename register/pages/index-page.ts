/**
 * `/`: the map of London's boroughs with the sensors, a filter form and a searchable list, one page
 * of INDEX_PAGE_SIZE sensors at a time (the filter runs in the registry's SQL).
 */

import type { SensorRecord } from '../../registry/index.js'
import { BOROUGHS, boroughName } from '../../schemas/index.js'
import { esc, page } from './html.js'
import { boroughView, type LondonMap, londonMap } from './london-map.js'
import { KIND_LABEL, mapMarkers } from './map-markers.js'

export interface IndexFilter {
  borough?: string
  kind?: string
  q?: string
}

export interface IndexPaging {
  page: number
  total: number
  size: number
}

/**
 * The map shows every sensor the filter matches (close ones clustered), not only this page's: a
 * map missing most of a borough's sensors would mislead. Past this many it shows the first ones
 * and says so, and the list's pages have the rest.
 */
export const MAP_LIMIT = 5000

export const INDEX_PAGE_SIZE = 200

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

function listItem(r: SensorRecord): string {
  const e = r.entry
  return `<li data-sensor="${esc(e.id)}" data-kind="${esc(e.kind)}" data-borough="${esc(e.borough)}" data-search="${esc(`${e.id} ${e.name} ${e.address ?? ''} ${boroughName(e.borough)}`.toLowerCase())}">
<a href="/sensors/${encodeURIComponent(e.id)}">${esc(e.name)}</a>
<span class="meta">${esc(KIND_LABEL[e.kind])} · ${esc(boroughName(e.borough))} · ${esc(e.status)} · <code>${esc(e.id)}</code></span></li>`
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

/** A marker's radius on the whole map, in viewBox units (800 across London). */
const MARKER_RADIUS = 12

/** The map, zoomed to the chosen borough; markers keep their size on screen. */
function mapFigure(
  shown: SensorRecord[],
  selectedName: string | undefined,
  zoomedTo: string | undefined,
  total: number,
): string {
  const map = londonMap()
  const view = boroughView(map, selectedName)
  const radius = Math.round(MARKER_RADIUS * view.scale * 10) / 10
  const markers = mapMarkers(map, shown, radius, zoomedTo)
  return `<figure class="map">
<svg id="london-map" viewBox="${view.viewBox}" aria-labelledby="map-title" role="group" focusable="false">
<title id="map-title">Map of ${selectedName ? esc(selectedName) : "London's 33 boroughs"} with ${shown.length} sensor${plural(shown.length)}</title>
<g class="boroughs" aria-hidden="true">${boroughPaths(map, selectedName)}</g><g class="markers">${markers}</g>
</svg>
<figcaption>${shown.length < total ? `The map shows the first ${shown.length} of ${total} sensors; choose a borough to see the rest. ` : ''}<span class="key air">Air quality</span> <span class="key traffic">Traffic</span> <span class="key retired">Retired</span> <span class="key cluster">Several sensors close together (choose to see them)</span> · The list gives the same sensors in words.</figcaption>
</figure>`
}

/** Links to the previous and next pages, keeping the filter. */
function pageLinks(filter: IndexFilter, { page, total, size }: IndexPaging): string {
  const pages = Math.max(1, Math.ceil(total / size))
  if (pages === 1) return ''
  const href = (n: number) => {
    const params = new URLSearchParams()
    for (const key of ['borough', 'kind', 'q'] as const) if (filter[key]) params.set(key, filter[key])
    params.set('page', String(n))
    return `/?${esc(params.toString())}`
  }
  const first = Math.min((page - 1) * size + 1, total)
  const last = Math.min(page * size, total)
  const prev = page > 1 ? `<a href="${href(page - 1)}" rel="prev">Previous page</a>` : ''
  const next = page < pages ? `<a href="${href(page + 1)}" rel="next">Next page</a>` : ''
  return `<nav class="pages" aria-label="Pages of sensors"><p>Sensors ${first} to ${last} of ${total} (page ${page} of ${pages}).</p><p>${[prev, next].filter(Boolean).join(' · ')}</p></nav>`
}

function listSection(shown: SensorRecord[], filter: IndexFilter, paging: IndexPaging): string {
  const list = shown.map(listItem).join('')
  const ofAll = paging.total > shown.length ? ` on this page, ${paging.total} in all` : ''
  return `<section class="list" aria-labelledby="list-title">
<h2 id="list-title"><span id="list-count">${shown.length}</span> sensor${plural(shown.length)}${ofAll}</h2>
${shown.length ? `<ul id="sensor-list">${list}</ul>` : '<p>No sensors match. Try another borough or search.</p>'}
${pageLinks(filter, paging)}
<p class="downloads">Download the register (up to 1,000 sensors a file; each names the next): <a href="/v1/sensors?format=csv&amp;limit=1000">CSV</a>, <a href="/v1/sensors?format=geojson&amp;limit=1000">GeoJSON</a>, <a href="/v1/sensors?limit=1000">JSON</a>.</p>
</section>`
}

/** One page of sensors (already filtered), the map of every sensor matching, links to the other pages. */
export function indexPage(
  shown: SensorRecord[],
  filter: IndexFilter,
  paging: IndexPaging,
  mapped: SensorRecord[],
): string {
  const selectedName = filter.borough ? boroughName(filter.borough) : undefined
  const body = `<h1>Sensors in London's streets</h1>
<p class="lead">Every sensor on this register is listed with what it measures, why it is there, who runs it and what happens to the data. Choose a sensor on the map or in the list to see what it reads now.</p>
${filterForm(filter)}
<div class="layout">
${mapFigure(mapped, selectedName, filter.borough, paging.total)}
${listSection(shown, filter, paging)}
</div>`
  return page({ title: 'Map and list', body, bodyAttrs: 'data-page="index"' })
}
