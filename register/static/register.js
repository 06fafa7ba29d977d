// Progressive enhancement only: every page works without this script.
// Index: filter the map and list as you type. Sensor page: new readings as they arrive.
;(() => {
  const body = document.body
  if (body.dataset.page === 'index') enhanceIndex()
  if (body.dataset.page === 'sensor') enhanceSensor()

  function enhanceIndex() {
    const form = document.querySelector('form.filters')
    const list = document.getElementById('sensor-list')
    if (!form || !list) return
    const borough = form.querySelector('#f-borough')
    const kind = form.querySelector('#f-kind')
    const q = form.querySelector('#f-q')
    const count = document.getElementById('list-count')
    const apply = () => {
      const text = q.value.trim().toLowerCase()
      let shown = 0
      for (const li of list.querySelectorAll('li[data-sensor]')) {
        const ok =
          (!borough.value || li.dataset.borough === borough.value) &&
          (!kind.value || li.dataset.kind === kind.value) &&
          (!text || li.dataset.search.includes(text))
        li.hidden = !ok
        if (ok) shown++
        const marker = document.querySelector(`a.marker[data-sensor="${CSS.escape(li.dataset.sensor)}"]`)
        if (marker) marker.style.display = ok ? '' : 'none'
      }
      if (count) count.textContent = String(shown)
      // A cluster counts the members still shown, and goes when none is.
      for (const cluster of document.querySelectorAll('a.cluster[data-sensors]')) {
        const members = cluster.dataset.sensors.split(' ')
        const visible = members.filter((id) => !list.querySelector(`li[data-sensor="${CSS.escape(id)}"]`)?.hidden)
        cluster.style.display = visible.length ? '' : 'none'
        const text = cluster.querySelector('text')
        if (text) text.textContent = String(visible.length)
      }
    }
    q.addEventListener('input', apply)
    kind.addEventListener('change', apply)
    borough.addEventListener('change', apply)
  }

  // The live feed (Server-Sent Events) pushes each new reading; where it is not offered (no
  // EventSource, no feed on this server, or this client was dropped as too slow) the page polls.
  function enhanceSensor() {
    const id = body.dataset.sensor
    const seconds = Number(body.dataset.liveSeconds) || 30
    const table = document.getElementById('latest')
    if (!id || !table) return
    const fmt = (v, field) => (Number.isInteger(v) ? String(v) : v.toFixed(field === 'occupancy' ? 2 : 1))
    const render = (rows) => {
      const time = rows[0]?.time
      if (!time) return
      const sums = {}
      const counts = {}
      for (const r of rows.filter((r) => r.time === time)) {
        for (const [f, v] of Object.entries(r.values)) {
          sums[f] = (sums[f] || 0) + v
          counts[f] = (counts[f] || 0) + 1
        }
      }
      for (const cell of table.querySelectorAll('td[data-field]')) {
        const f = cell.dataset.field
        if (sums[f] === undefined) continue
        const v = cell.dataset.agg === 'mean' ? sums[f] / counts[f] : sums[f]
        const text = fmt(v, f)
        if (cell.textContent !== text) cell.textContent = text
      }
      const newest = rows[0] || {}
      for (const cell of table.querySelectorAll('td[data-corrected]')) {
        const v = newest.corrected?.[cell.dataset.corrected]
        cell.textContent = v === undefined ? '' : fmt(v, cell.dataset.corrected)
      }
      // The server words each note; here only whether a value is left out of averages changes.
      for (const cell of table.querySelectorAll('td[data-note]')) {
        const out = (newest.failed || []).includes(cell.dataset.note)
        if (out && !cell.textContent.startsWith('Left out')) cell.textContent = 'Left out of averages: failed a check.'
        if (!out && cell.textContent.startsWith('Left out')) cell.textContent = ''
      }
      const status = document.getElementById('latest-status')
      if (status && newest.status) status.textContent = newest.status
      const t = document.getElementById('latest-time')
      if (t) t.textContent = `${time.replace('T', ' ').slice(0, 16)} UTC`
    }
    let polling = false
    const poll = () => {
      if (polling) return
      polling = true
      const refresh = async () => {
        try {
          const res = await fetch(`/v1/sensors/${encodeURIComponent(id)}`, { cache: 'no-cache' })
          if (res.ok) render((await res.json()).latest || [])
        } catch {
          // offline or server busy: try again next time
        }
      }
      setInterval(refresh, seconds * 1000)
    }
    if (!window.EventSource) return poll()
    const source = new EventSource(`/v1/live?sensor=${encodeURIComponent(id)}`)
    // Readings of the newest time (a counter sends one per lane and direction).
    let rows = []
    source.addEventListener('reading', (e) => {
      const r = JSON.parse(e.data)
      if (rows[0] && r.time < rows[0].time) return
      rows = rows[0] && r.time === rows[0].time ? [...rows, r] : [r]
      render(rows)
    })
    source.addEventListener('dropped', () => {
      source.close()
      poll()
    })
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) poll()
    })
  }
})()
