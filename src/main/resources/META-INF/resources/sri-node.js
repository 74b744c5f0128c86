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

// who is signed in (GET /api/users/me); operators and admins get the actions, viewers only see
let me = null;
// the slice each card shows (kept across refreshes)
const sliceOf = new Map();
const isOperator = () => me && (me.role === 'operator' || me.role === 'admin');

async function post(url, body) {
  const r = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body || {})});
  if (!r.ok) {
    let detail = r.status + ' ' + r.statusText;
    try { detail = (await r.json()).detail || detail; } catch (e) { /* not a problem document */ }
    throw new Error(detail);
  }
  return r.json();
}

function requeueButton(job) {
  const b = el('button', {class: 'action', 'data-action': 'requeue'}, 'Requeue');
  b.onclick = async () => {
    b.disabled = true;
    try { await post('/api/jobs/' + job.id + '/requeue'); refresh(); } catch (e) { alert('requeue failed: ' + e.message); b.disabled = false; }
  };
  return b;
}

// operator actions on an acquired series, each with a required reason (audited by the node):
// release a held enhancement, have the series enhanced again, discard its current derived output
function actionsForm(view, derivedViews) {
  const s = view.series;
  // as the API decides: only the current generation's enhancement (an older generation's job never runs)
  const enhancing = view.jobs.some(j => j.kind === 'ENHANCE' && j.generation === s.generation
    && (j.state === 'PENDING' || j.state === 'RUNNING'));
  const current = derivedViews.some(d => !d.series.supersededBy && d.series.modality !== 'KO');
  const actions = [];
  if (s.outcome === 'HELD' && current && !enhancing) actions.push(['release', 'Release to the PACS']);
  if (s.state === 'COMPLETE' && view.jobs.some(j => j.kind === 'ENHANCE') && !enhancing) actions.push(['enhance', 'Enhance again']);
  if (current && !enhancing) actions.push(['discard', 'Discard derived output']);
  if (!actions.length) return null;
  const comment = el('input', {type: 'text', class: 'comment', name: 'comment', maxlength: '1000',
    placeholder: s.outcome === 'HELD' ? 'why it may go to the PACS (required)' : 'reason (required)'});
  const f = el('form', {class: 'row release'}, comment);
  f.onsubmit = (ev) => ev.preventDefault();
  for (const [action, label] of actions) {
    const b = el('button', {type: 'button', class: 'action', 'data-action': action}, label);
    b.onclick = async () => {
      if (!comment.value.trim()) { comment.focus(); return; }
      if (action === 'discard' && !confirm('Withdraw the AI-enhanced series from the PACS and the EHR?')) return;
      b.disabled = true;
      try { await post('/api/series/' + encodeURIComponent(s.seriesUid) + '/' + action, {comment: comment.value}); comment.blur(); refresh(); }
      catch (e) { alert(label + ' failed: ' + e.message); b.disabled = false; }
    };
    f.append(b);
  }
  return f;
}

function jobTable(view) {
  const t = el('table', {}, el('tr', {}, el('th', {}, 'job'), el('th', {}, 'state'), el('th', {}, 'node'), el('th', {}, 'attempts'), el('th', {}, 'last error')));
  for (const j of view.jobs) {
    t.append(el('tr', {}, el('td', {}, j.kind), el('td', {}, badge(j.state), j.state === 'DEAD' && isOperator() ? requeueButton(j) : null),
        el('td', {}, j.claimedBy || ''), el('td', {}, j.attempts), el('td', {}, j.lastError || '')));
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
  // operators compare the slices below and may release a held enhancement, enhance again or discard, with a reason
  if (isOperator()) { const f = actionsForm(view, derivedViews); if (f) c.append(f); }
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
    const what = ds.modality === 'SEG' ? 'segmentation of the made-up pixels ' : ds.modality === 'KO' ? 'rejection note ' : 'AI-enhanced series ';
    const links = el('div', {class: 'row'}, what, el('a', {href: '/api/series/' + ds.seriesUid}, short(ds.seriesUid)),
        ds.model ? el('span', {}, ds.model) : null,
        ds.supersededBy ? el('span', {class: 'muted'}, ds.supersededBy === 'DISCARDED' ? 'discarded' : 'superseded') : null);
    if (ds.fhirRef) links.append(el('a', {href: fhirBase + '/' + ds.fhirRef}, 'FHIR ' + ds.fhirRef));
    c.append(links, jobTable(d));
  }
  if (derivedViews.length || s.decision === 'ENHANCE') {
    // acquired and enhanced side by side, one slice at a time; the operator pages through them
    const n = s.instances;
    const src = () => '/api/series/' + encodeURIComponent(s.seriesUid) + '/preview.png?v=' + derivedViews.length +
        (sliceOf.has(s.seriesUid) ? '&slice=' + sliceOf.get(s.seriesUid) : '');
    const img = el('img', {class: 'preview', alt: 'acquired and AI-enhanced, same slice', loading: 'lazy', src: src()});
    const label = el('span', {class: 'muted'}, '');
    const show = () => {
      const z = sliceOf.has(s.seriesUid) ? sliceOf.get(s.seriesUid) : Math.floor(n / 2);
      label.textContent = 'slice ' + (z + 1) + ' of ' + n;
      img.src = src();
    };
    const step = (d) => () => {
      const z = sliceOf.has(s.seriesUid) ? sliceOf.get(s.seriesUid) : Math.floor(n / 2);
      sliceOf.set(s.seriesUid, Math.max(0, Math.min(n - 1, z + d)));
      show();
    };
    const prev = el('button', {class: 'action', 'data-action': 'previous-slice', title: 'previous slice'}, '\u25c0');
    const next = el('button', {class: 'action', 'data-action': 'next-slice', title: 'next slice'}, '\u25b6');
    prev.onclick = step(-1);
    next.onclick = step(1);
    show();
    c.append(el('div', {class: 'row slices'}, prev, label, next), img);
  }
  return c;
}

// a session that ended (timeout, sign-out elsewhere, restart of the node) goes back to the login page
async function getJson(url) {
  const r = await fetch(url);
  if (r.status === 401) {
    location.replace('/login.html');
    throw new Error('signed out');
  }
  return r.json();
}

async function signOut() {
  try { await fetch('/api/logout', {method: 'POST'}); } finally { location.replace('/login.html'); }
}

async function refresh() {
  if (document.activeElement && document.activeElement.classList.contains('comment')) return;   // an operator is typing
  try {
    if (!me) {
      me = await getJson('/api/users/me');
      const out = el('button', {class: 'action', 'data-action': 'sign-out', type: 'button'}, 'Sign out');
      out.onclick = signOut;
      document.getElementById('user').textContent = 'signed in as ' + me.username + ' (' + me.role + ')';
      document.getElementById('signout').replaceChildren(out);
    }
    const node = await getJson('/api/node');
    document.getElementById('node').textContent = 'AE ' + node.aeTitle + ' on port ' + node.dicomPort + ' · model ' + node.model +
        ' · FHIR ' + node.fhirBaseUrl;
    document.getElementById('fhirlink').href = node.fhirBaseUrl + '/metadata';
    const all = await getJson('/api/series?limit=200');
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
