// The operators' page: reads /api/node and /api/series and draws one card per acquired series.
'use strict';

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

function badge(text) {
  return el('span', {class: 'badge ' + text}, text);
}

function short(uid) {
  return uid.length > 24 ? '...' + uid.slice(-20) : uid;
}

function stageTable(view) {
  const t = el('table', {}, el('tr', {}, el('th', {}, 'stage'), el('th', {}, 'time')));
  for (const [stage, ms] of Object.entries(view.stageMillis || {})) {
    t.append(el('tr', {}, el('td', {}, stage), el('td', {}, (ms / 1000).toFixed(2) + ' s')));
  }
  return Object.keys(view.stageMillis || {}).length ? t : null;
}

function jobTable(view) {
  const t = el('table', {}, el('tr', {}, el('th', {}, 'job'), el('th', {}, 'state'), el('th', {}, 'attempts'), el('th', {}, 'last error')));
  for (const j of view.jobs) {
    t.append(el('tr', {}, el('td', {}, j.kind), el('td', {}, badge(j.state)), el('td', {}, j.attempts), el('td', {}, j.lastError || '')));
  }
  return t;
}

function card(view, derivedViews, fhirBase) {
  const s = view.series;
  const a = view.assessment;
  const c = el('article', {class: 'card', 'data-series': s.seriesUid});
  c.append(el('h2', {}, (a && a.measured ? a.measured.rows + 'x' + a.measured.columns + ' x ' + a.measured.slices + ' ' : '') +
      (s.modality || '') + ' series ' + short(s.seriesUid)));
  c.append(el('div', {class: 'row'}, badge(s.state), s.decision ? badge(s.decision) : null, s.outcome ? badge(s.outcome) : null,
      el('span', {}, s.instances + ' instances'),
      s.consistency !== null && s.consistency !== undefined ? el('span', {}, 'data consistency ' + s.consistency.toFixed(3)) : null));
  if (s.outcomeReason) c.append(el('div', {class: 'muted'}, s.outcomeReason));
  if (a) {
    if (!a.applicable) {
      c.append(el('div', {class: 'muted'}, 'not applicable: ' + a.notApplicableReason));
    } else {
      const reasons = el('ul', {class: 'reasons'});
      for (const r of a.reasons) reasons.append(el('li', {}, r));
      c.append(el('div', {}, 'assessment: ' + a.actions.join(', ')), reasons);
    }
  }
  c.append(stageTable(view));
  c.append(jobTable(view));
  for (const d of derivedViews) {
    const ds = d.series;
    const what = ds.modality === 'SEG' ? 'segmentation of the made-up pixels ' : 'AI-enhanced series ';
    const links = el('div', {class: 'row'}, what, el('a', {href: '/api/series/' + ds.seriesUid}, short(ds.seriesUid)),
        ds.model ? el('span', {}, ds.model) : null);
    if (ds.fhirRef) links.append(el('a', {href: fhirBase + '/' + ds.fhirRef}, 'FHIR ' + ds.fhirRef));
    c.append(links, jobTable(d));
  }
  if (derivedViews.length || s.decision === 'ENHANCE') {
    c.append(el('img', {class: 'preview', alt: 'before and after, middle slice', loading: 'lazy',
      src: '/api/series/' + encodeURIComponent(s.seriesUid) + '/preview.png?v=' + derivedViews.length}));
  }
  return c;
}

async function refresh() {
  try {
    const node = await (await fetch('/api/node')).json();
    document.getElementById('node').textContent = 'AE ' + node.aeTitle + ' on port ' + node.dicomPort + ' · model ' + node.model +
        ' · FHIR ' + node.fhirBaseUrl;
    document.getElementById('fhirlink').href = node.fhirBaseUrl + '/metadata';
    const all = await (await fetch('/api/series?limit=200')).json();
    const byUid = new Map(all.map(v => [v.series.seriesUid, v]));
    const list = document.getElementById('series');
    const cards = [];
    for (const v of all) {
      if (v.series.derivedFrom) continue;
      const derived = (v.derivedSeries || []).map(u => byUid.get(u)).filter(x => x);
      cards.push(card(v, derived, node.fhirBaseUrl));
    }
    list.replaceChildren(...cards);
    document.getElementById('empty').hidden = cards.length > 0;
  } catch (e) {
    document.getElementById('node').textContent = 'cannot reach the node: ' + e;
  }
}

refresh();
setInterval(refresh, 5000);
