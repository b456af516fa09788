// OrderGrains operations dashboard: polls GET /admin/overview once a second and draws it on <canvas>.
// No framework and no external files: the admin port must work on a closed network.
(function () {
  'use strict';

  const TOKEN_KEY = 'ordergrains.adminToken';
  const POLL_MS = 1000;
  // The silo table asks every silo for its figures: every fifth overview poll is enough.
  const CLUSTER_EVERY = 5;
  const REQUEST_TIMEOUT_MS = 5000;
  const HISTORY_MS = 120000;
  // A fresh session's charts span what has been seen (at least this), so the lines do not hide in a corner.
  const MIN_SPAN_MS = 30000;
  // Two missed polls in a row mean the figures on screen are no longer live.
  const STALE_MS = 3 * POLL_MS;
  const BAR_ROW_PX = 28;

  const LOOKUPS = {
    order: { path: 'orders', noun: 'order' },
    sku: { path: 'skus', noun: 'SKU' },
    warehouse: { path: 'warehouses', noun: 'warehouse' },
    customer: { path: 'customers', noun: 'customer' },
  };

  // Channel picks the colour, outcome the dash, so "web · rejected" sits next to "web · accepted".
  const OUTCOME_DASH = { accepted: [], held: [7, 4], rejected: [2, 3], duplicate: [9, 3, 2, 3], failed: [1, 4] };
  const OUTCOME_ORDER = ['accepted', 'held', 'rejected', 'duplicate', 'failed'];
  const SUMMARY_FIELDS = 14;
  const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

  const $ = (id) => document.getElementById(id);

  const state = {
    token: null,
    timer: 0,
    generation: 0,
    lastSuccess: 0,
    history: [],
    channels: [],
    latest: null,
    clusterPolls: 0,
  };

  let theme = null;

  function readTheme() {
    const css = getComputedStyle(document.documentElement);
    const get = (name) => css.getPropertyValue(name).trim();
    return {
      text: get('--text'),
      muted: get('--muted'),
      faint: get('--faint'),
      grid: get('--grid'),
      surface2: get('--surface-2'),
      series: get('--series').split(',').map((c) => c.trim()).filter(Boolean),
      available: get('--available'),
      reserved: get('--reserved'),
      bar: get('--bar'),
      p50: get('--p50'),
      p99: get('--p99'),
      bad: get('--bad'),
      font: get('--font'),
    };
  }

  // ---- formatting -------------------------------------------------------------------------------------------

  function num(value) {
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  }

  function formatRate(value) {
    const v = num(value);
    if (v === null) return '–';
    return v >= 100 ? v.toFixed(0) : v.toFixed(1);
  }

  function formatMs(value) {
    const v = num(value);
    if (v === null) return '–';
    if (v >= 100) return v.toFixed(0);
    if (v >= 10) return v.toFixed(1);
    return v.toFixed(2);
  }

  function formatSeconds(value) {
    const v = num(value);
    if (v === null) return '–';
    return v >= 100 ? v.toFixed(0) : v.toFixed(1);
  }

  function formatInt(value) {
    const v = num(value);
    return v === null ? '–' : Math.round(v).toLocaleString('en-US');
  }

  function formatCompact(value) {
    const v = Math.abs(value);
    if (v >= 1e6) return Number((value / 1e6).toFixed(v >= 1e7 ? 0 : 1)) + 'M';
    if (v >= 1e4) return Number((value / 1e3).toFixed(v >= 1e5 ? 0 : 1)) + 'k';
    if (v >= 100 || Number.isInteger(value)) return value.toFixed(0);
    // Axis steps such as 0.5 or 2.5: no trailing zeros.
    return String(Number(value.toFixed(v >= 10 ? 1 : 2)));
  }

  function formatDuration(seconds) {
    const s = num(seconds);
    if (s === null) return '–';
    const total = Math.floor(s);
    const d = Math.floor(total / 86400);
    const h = Math.floor((total % 86400) / 3600);
    const m = Math.floor((total % 3600) / 60);
    const sec = total % 60;
    if (d > 0) return `${d}d ${h}h`;
    if (h > 0) return `${h}h ${m}m`;
    if (m > 0) return `${m}m ${sec}s`;
    return `${sec}s`;
  }

  function setText(id, text) {
    const el = $(id);
    if (el && el.textContent !== text) el.textContent = text;
  }

  // ---- the admin API ----------------------------------------------------------------------------------------

  async function api(path, token) {
    const response = await fetch(path, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      cache: 'no-store',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    let body = null;
    const type = response.headers.get('content-type') || '';
    if (type.includes('json')) {
      try {
        body = await response.json();
      } catch (error) {
        body = null;
      }
    }
    return { status: response.status, ok: response.ok, body };
  }

  function problemText(result) {
    const body = result.body;
    if (body && typeof body === 'object') {
      return body.detail || body.title || `HTTP ${result.status}`;
    }
    return `HTTP ${result.status}`;
  }

  // ---- login ------------------------------------------------------------------------------------------------

  function showLogin(message) {
    stopPolling();
    showPage('live');
    state.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    $('dashboard-view').hidden = true;
    $('session-bar').hidden = true;
    $('login-view').hidden = false;
    const error = $('login-error');
    error.textContent = message || '';
    error.hidden = !message;
    $('login-submit').disabled = false;
    const input = $('token');
    input.setAttribute('aria-invalid', message ? 'true' : 'false');
    input.focus();
  }

  // Orleans' dashboard is opened by navigation, which sends no Authorization header: the host hands the token back
  // as an HttpOnly cookie scoped to /admin/orleans, so the page's scripts never hold it there.
  function dashboardSession(method) {
    const token = state.token;
    if (!token) return Promise.resolve();
    return fetch('/admin/dashboard-session', { method, headers: { Authorization: `Bearer ${token}` } })
      .catch(() => undefined);
  }

  function showDashboard() {
    dashboardSession('POST');
    $('login-view').hidden = true;
    $('dashboard-view').hidden = false;
    $('session-bar').hidden = false;
    $('login-error').hidden = true;
    $('token').value = '';
    requestAnimationFrame(drawAll);
  }

  async function onLogin(event) {
    event.preventDefault();
    const token = $('token').value.trim();
    if (!token) {
      showLogin('Enter the admin token.');
      return;
    }
    const button = $('login-submit');
    button.disabled = true;
    try {
      const result = await api('/admin/overview', token);
      if (result.status === 401) {
        showLogin('That token was not accepted (401). Check it and try again.');
        return;
      }
      if (result.status === 403) {
        showLogin('That token may not read the overview (403).');
        return;
      }
      if (!result.ok || !result.body) {
        showLogin(`The admin API did not answer: ${problemText(result)}.`);
        return;
      }
      state.token = token;
      sessionStorage.setItem(TOKEN_KEY, token);
      resetHistory();
      $('search-result').hidden = true;
      showDashboard();
      accept(result.body);
      state.clusterPolls = 0;
      startPolling();
      pollCluster(token, state.generation);
    } catch (error) {
      showLogin(`The host cannot be reached (${error.name === 'TimeoutError' ? 'timed out' : error.message}).`);
    } finally {
      button.disabled = false;
    }
  }

  function onLogout() {
    dashboardSession('DELETE');
    showLogin('');
  }

  // ---- polling ----------------------------------------------------------------------------------------------

  function startPolling() {
    stopPolling();
    const generation = ++state.generation;
    const tick = async () => {
      const started = performance.now();
      await poll(generation);
      if (generation !== state.generation) return;
      const delay = Math.max(0, POLL_MS - (performance.now() - started));
      state.timer = window.setTimeout(tick, delay);
    };
    state.timer = window.setTimeout(tick, POLL_MS);
  }

  function stopPolling() {
    state.generation++;
    window.clearTimeout(state.timer);
  }

  async function poll(generation) {
    const token = state.token;
    if (!token) return;
    try {
      const result = await api('/admin/overview', token);
      if (generation !== state.generation) return;
      if (result.status === 401) {
        showLogin('Your session was rejected (401): the token is no longer valid. Sign in again.');
        return;
      }
      if (!result.ok || !result.body) {
        markConnection('offline', `Error ${result.status}`);
        showBanner(`The overview failed: ${problemText(result)}. Retrying every second.`);
        return;
      }
      accept(result.body);
      if (state.clusterPolls++ % CLUSTER_EVERY === 0) await pollCluster(token, generation);
    } catch (error) {
      if (generation !== state.generation) return;
      markConnection('offline', 'Offline');
      showBanner('The host is not answering. Retrying every second; the figures below are from the last good reply.');
    }
  }

  function markConnection(kind, label) {
    const pill = $('connection-status');
    pill.dataset.state = kind;
    if (pill.textContent !== label) pill.textContent = label;
  }

  // "8 posting" or "6 posting · 2 waiting for ERP": how many partitions are in each state.
  function erpStates(partitions) {
    if (!Array.isArray(partitions) || partitions.length === 0) return '–';
    const labels = { Posting: 'posting', WaitingForErp: 'waiting for ERP', Blocked: 'blocked' };
    const counts = new Map();
    for (const p of partitions) {
      const label = labels[p.status] || String(p.status).toLowerCase();
      counts.set(label, (counts.get(label) || 0) + 1);
    }
    return [...counts].map(([label, n]) => `${n} ${label}`).join(' · ');
  }

  function showErpAlerts(alerts) {
    const box = $('erp-alerts');
    const list = $('erp-alert-list');
    const text = alerts.map((a) => String(a.message ?? a.kind));
    if (list.dataset.text !== text.join('\n')) {
      list.replaceChildren(...text.map((t) => {
        const item = document.createElement('li');
        item.textContent = t;
        return item;
      }));
      list.dataset.text = text.join('\n');
    }
    box.hidden = alerts.length === 0;
  }

  function showBanner(message) {
    const banner = $('dashboard-error');
    banner.textContent = message;
    banner.hidden = !message;
  }

  window.setInterval(() => {
    if (state.token && state.lastSuccess && Date.now() - state.lastSuccess > STALE_MS) {
      if ($('connection-status').dataset.state === 'live') markConnection('stale', 'Stale');
    }
  }, POLL_MS);

  // ---- model ------------------------------------------------------------------------------------------------

  function resetHistory() {
    state.history = [];
    state.channels = [];
    state.latest = null;
  }

  function seriesKey(channel, outcome) {
    return `${channel} · ${outcome}`;
  }

  function accept(overview) {
    state.lastSuccess = Date.now();
    state.latest = overview;
    markConnection('live', 'Live');
    showBanner('');

    const orders = overview.orders || {};
    const perSecond = Array.isArray(orders.perSecond) ? orders.perSecond : [];
    const rates = {};
    let total = 0;
    for (const row of perSecond) {
      const rate = num(row.rate) || 0;
      const channel = String(row.channel ?? 'unknown');
      rates[seriesKey(channel, String(row.outcome ?? 'unknown'))] = rate;
      total += rate;
      if (!state.channels.includes(channel)) state.channels.push(channel);
    }

    // With no placement in the window the percentiles are reported as 0, which would read as "instant".
    const rawLatency = overview.placementLatencyMs || {};
    const latency = num(rawLatency.count) === 0 ? { count: 0, p50: null, p99: null } : rawLatency;
    const erp = overview.erp || {};
    const activations = Array.isArray(overview.activations) ? overview.activations : [];
    const activationTotal = activations.reduce((sum, a) => sum + (num(a.count) || 0), 0);
    const parsed = Date.parse(overview.at);
    const sample = {
      t: Number.isFinite(parsed) ? parsed : Date.now(),
      rates,
      total,
      p50: num(latency.p50),
      p99: num(latency.p99),
      lag: num(erp.lag),
      deadLetters: num(erp.deadLetters),
      activations: activationTotal,
    };
    const history = state.history;
    if (history.length && sample.t <= history[history.length - 1].t) {
      history[history.length - 1] = sample;
    } else {
      history.push(sample);
    }
    while (history.length && history[0].t < sample.t - HISTORY_MS) history.shift();

    setText('orders-per-second-total', formatRate(total));
    setText('orders-total-placed', formatInt(orders.totalPlaced));
    setText('orders-window', formatInt(orders.windowSeconds));
    setText('latency-p50', formatMs(latency.p50));
    setText('latency-p99', formatMs(latency.p99));
    setText('latency-count', formatInt(latency.count));
    setText('erp-lag', formatSeconds(erp.lag));
    setText('erp-backlog', formatInt(erp.backlog));
    setText('erp-posted', formatInt(erp.posted));
    setText('erp-failed', formatInt(erp.failed));
    setText('erp-dead-letters', formatInt(erp.deadLetters));
    $('kpi-dead-letters').dataset.alert = String((num(erp.deadLetters) || 0) > 0);
    setText('erp-parked', formatInt(erp.parked));
    setText('erp-state', erpStates(erp.partitions));
    showErpAlerts(Array.isArray(erp.alerts) ? erp.alerts : []);
    setText('activations-total', formatInt(activationTotal));
    setText('activation-types', formatInt(activations.length));
    setText('uptime', formatDuration(overview.uptimeSeconds));
    const at = Number.isFinite(parsed) ? new Date(parsed) : new Date();
    const updated = $('updated-at');
    updated.dateTime = at.toISOString();
    setText('updated-at', at.toLocaleTimeString('en-GB', { hour12: false }));

    renderOrdersLegend(perSecond);
    renderHotSkus(Array.isArray(overview.hotSkus) ? overview.hotSkus : []);
    renderActivations(activations);
    drawAll();
  }

  function orderSeries() {
    const keys = new Set();
    for (const sample of state.history) {
      for (const key of Object.keys(sample.rates)) keys.add(key);
    }
    const series = [];
    for (const key of keys) {
      const [channel, outcome] = key.split(' · ');
      series.push({ key, channel, outcome });
    }
    series.sort((a, b) =>
      state.channels.indexOf(a.channel) - state.channels.indexOf(b.channel) ||
      outcomeRank(a.outcome) - outcomeRank(b.outcome));
    return series.map((s) => ({
      key: s.key,
      label: s.key,
      color: channelColor(s.channel),
      dash: OUTCOME_DASH[s.outcome] || [1, 2],
      points: state.history.map((h) => [h.t, h.rates[s.key] ?? 0]),
    }));
  }

  function outcomeRank(outcome) {
    const i = OUTCOME_ORDER.indexOf(outcome);
    return i < 0 ? OUTCOME_ORDER.length : i;
  }

  function channelColor(channel) {
    const palette = theme.series;
    const i = state.channels.indexOf(channel);
    return palette[(i < 0 ? 0 : i) % palette.length];
  }

  // ---- DOM pieces -------------------------------------------------------------------------------------------

  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (name === 'text') node.textContent = value;
      else if (name === 'className') node.className = value;
      else node.setAttribute(name, value);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function legendSwatch(color, dash) {
    const canvas = el('canvas', { width: '44', height: '20', 'aria-hidden': 'true' });
    const ctx = canvas.getContext('2d');
    ctx.strokeStyle = color;
    ctx.lineWidth = 4;
    ctx.setLineDash(dash.map((d) => d * 2));
    ctx.beginPath();
    ctx.moveTo(2, 10);
    ctx.lineTo(42, 10);
    ctx.stroke();
    return canvas;
  }

  function renderOrdersLegend(perSecond) {
    const list = $('legend-orders');
    const byKey = new Map(perSecond.map((row) => [seriesKey(row.channel, row.outcome), row]));
    const items = orderSeries().map((s) => {
      const row = byKey.get(s.key);
      const rate = row ? num(row.rate) || 0 : 0;
      const [channel, outcome] = s.key.split(' · ');
      return el('li', { 'data-channel': channel, 'data-outcome': outcome }, [
        legendSwatch(s.color, s.dash),
        el('span', { text: s.key }),
        el('span', { className: 'rate', text: `${formatRate(rate)}/s` }),
        el('span', { text: row && num(row.total) !== null ? `(${formatInt(row.total)})` : '' }),
      ]);
    });
    if (!items.length) items.push(el('li', { text: 'No orders placed in the window yet.' }));
    list.replaceChildren(...items);

    const summary = items.length && perSecond.length
      ? perSecond.map((r) => `${r.channel} ${r.outcome} ${formatRate(r.rate)} per second`).join(', ')
      : 'no orders in the window';
    $('chart-orders').setAttribute('aria-label', `Orders per second by channel and outcome: ${summary}`);
  }

  function renderHotSkus(skus) {
    const body = $('hot-skus').tBodies[0];
    const rows = skus.map((s) =>
      el('tr', { 'data-sku': String(s.sku) }, [
        el('td', { className: 'id' }, [lookupLink('sku', String(s.sku))]),
        el('td', { className: 'num on-hand', text: formatInt(s.onHand) }),
        el('td', { className: 'num reserved', text: formatInt(s.reserved) }),
        el('td', { className: 'num available', text: formatInt(s.available) }),
        el('td', { className: 'num rate', text: formatRate(s.ordersPerSecond) }),
      ]));
    if (!rows.length) rows.push(el('tr', {}, [el('td', { className: 'empty', colspan: '5', text: 'No SKU has taken orders yet.' })]));
    body.replaceChildren(...rows);
  }

  // ---- silos (GET /admin/cluster) ---------------------------------------------------------------------------

  async function pollCluster(token, generation) {
    let result;
    try {
      result = await api('/admin/cluster', token);
    } catch (error) {
      return;
    }
    if (generation !== state.generation || !result.ok || !result.body) return;
    renderSilos(Array.isArray(result.body.members) ? result.body.members : []);
  }

  function renderSilos(members) {
    const body = $('silos').tBodies[0];
    const rows = members.map((m) =>
      el('tr', { 'data-silo': String(m.address), 'data-status': String(m.status) }, [
        el('td', { text: String(m.name || m.address), title: String(m.address) }),
        el('td', { className: 'status', text: String(m.status).replace('_', ' ') }),
        el('td', { className: 'num count', text: m.activations == null ? '–' : formatInt(m.activations) }),
        el('td', { className: 'num rate', text: m.ordersPerSecond == null ? '–' : formatRate(m.ordersPerSecond) }),
        el('td', { text: m.grpcEndpoint ? String(m.grpcEndpoint) : '–' }),
        el('td', { text: m.startedAt ? new Date(m.startedAt).toLocaleTimeString() : '–' }),
      ]));
    if (!rows.length) rows.push(el('tr', {}, [el('td', { className: 'empty', colspan: '6', text: 'No silos.' })]));
    body.replaceChildren(...rows);
  }

  function renderActivations(activations) {
    const body = $('activations').tBodies[0];
    const rows = activations.map((a) =>
      el('tr', { 'data-grain-type': String(a.grainType) }, [
        el('td', { text: String(a.grainType) }),
        el('td', { className: 'num count', text: formatInt(a.count) }),
      ]));
    if (!rows.length) rows.push(el('tr', {}, [el('td', { className: 'empty', colspan: '2', text: 'No activations.' })]));
    body.replaceChildren(...rows);
  }

  function lookupLink(kind, id) {
    const button = el('button', { type: 'button', className: 'link', text: id, title: `Open ${LOOKUPS[kind].noun} ${id}` });
    button.addEventListener('click', () => {
      $('search-kind').value = kind;
      $('search-query').value = id;
      lookup(kind, id);
    });
    return button;
  }

  // ---- search -----------------------------------------------------------------------------------------------

  async function onSearch(event) {
    event.preventDefault();
    const kind = $('search-kind').value;
    const id = $('search-query').value.trim();
    if (!id) {
      showResult('error', `Enter the id of the ${LOOKUPS[kind].noun} to open.`, 'Look up', null);
      $('search-query').focus();
      return;
    }
    await lookup(kind, id);
  }

  async function lookup(kind, id) {
    const spec = LOOKUPS[kind];
    const title = `${spec.noun[0].toUpperCase()}${spec.noun.slice(1)} ${id}`;
    const token = state.token;
    if (!token) return;
    showResult('loading', 'Loading…', title, null);
    try {
      const result = await api(`/admin/${spec.path}/${encodeURIComponent(id)}`, token);
      if (result.status === 401) {
        showLogin('Your session was rejected (401): the token is no longer valid. Sign in again.');
        return;
      }
      if (result.status === 404) {
        showResult('not-found', `Not found: there is no ${spec.noun} “${id}”.`, title, null);
        return;
      }
      if (!result.ok) {
        showResult('error', `The lookup failed: ${problemText(result)}.`, title, null);
        return;
      }
      showResult('found', '', title, result.body);
    } catch (error) {
      showResult('error', `The host cannot be reached (${error.name === 'TimeoutError' ? 'timed out' : error.message}).`, title, null);
    }
  }

  function showResult(kind, message, title, body) {
    const panel = $('search-result');
    panel.hidden = false;
    panel.dataset.state = kind;
    $('search-title').textContent = title;
    const messageEl = $('search-message');
    messageEl.textContent = message;
    messageEl.hidden = !message;
    const summary = $('search-summary');
    const pre = $('search-json');
    const details = $('search-details');
    if (body === null || body === undefined) {
      summary.replaceChildren();
      pre.replaceChildren();
      details.hidden = true;
      return;
    }
    const fields = summaryFields(body).map(([key, value]) =>
      el('div', { 'data-field': key }, [el('dt', { text: humanize(key) }), el('dd', { text: value })]));
    summary.replaceChildren(...fields);
    summary.hidden = !fields.length;
    pre.replaceChildren(...highlightJson(body));
    details.hidden = false;
  }

  // The views wrap their subject (an order view is {order, history}), so the summary also reads one level down:
  // scalars of the reply and of its objects, and a count for each list.
  function summaryFields(body) {
    const fields = [];
    const seen = new Set();
    const add = (key, value) => {
      // "Unspecified" is the wire's zero value (no reason); it stays in the JSON but says nothing in a summary.
      if (seen.has(key) || fields.length >= SUMMARY_FIELDS || value === 'Unspecified') return;
      seen.add(key);
      fields.push([key, readableValue(value)]);
    };
    if (!body || typeof body !== 'object' || Array.isArray(body)) return fields;
    const objects = [];
    const lists = [];
    for (const [key, value] of Object.entries(body)) {
      if (value === null || value === undefined) continue;
      if (Array.isArray(value)) lists.push([key, value]);
      else if (typeof value === 'object') objects.push([key, value]);
      else add(key, String(value));
    }
    for (const [key, value] of [...objects, ...lists]) {
      if (Array.isArray(value)) {
        add(key, `${value.length} ${value.length === 1 ? 'entry' : 'entries'}`);
        continue;
      }
      for (const [inner, innerValue] of Object.entries(value)) {
        if (innerValue === null || innerValue === undefined) continue;
        if (Array.isArray(innerValue)) add(inner, `${innerValue.length} ${innerValue.length === 1 ? 'entry' : 'entries'}`);
        else if (typeof innerValue !== 'object') add(inner, String(innerValue));
      }
    }
    return fields;
  }

  function readableValue(value) {
    if (!ISO_TIME.test(value)) return value;
    const at = new Date(value);
    return Number.isNaN(at.getTime()) ? value : `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  }

  function humanize(key) {
    return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').replace(/^./, (c) => c.toUpperCase());
  }

  // Builds text nodes and spans (never innerHTML), so nothing in a reply can run as markup.
  function highlightJson(value) {
    const text = JSON.stringify(value, null, 2) ?? 'null';
    const out = [];
    const token = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false)\b|\bnull\b|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
    let last = 0;
    for (const match of text.matchAll(token)) {
      if (match.index > last) out.push(document.createTextNode(text.slice(last, match.index)));
      let cls = 'n';
      if (match[1] !== undefined) cls = match[2] ? 'k' : 's';
      else if (match[3] !== undefined) cls = 'b';
      else if (match[0] === 'null') cls = 'z';
      if (cls === 'k') {
        out.push(el('span', { className: 'k', text: match[1] }), document.createTextNode(match[2]));
      } else {
        out.push(el('span', { className: cls, text: match[0] }));
      }
      last = match.index + match[0].length;
    }
    if (last < text.length) out.push(document.createTextNode(text.slice(last)));
    return out;
  }

  // ---- charts -----------------------------------------------------------------------------------------------

  function prepare(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (!width || !height) return null;
    const pixelWidth = Math.round(width * ratio);
    const pixelHeight = Math.round(height * ratio);
    if (canvas.width !== pixelWidth || canvas.height !== pixelHeight) {
      canvas.width = pixelWidth;
      canvas.height = pixelHeight;
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    return { ctx, width, height };
  }

  function timeSpan() {
    const history = state.history;
    const now = history.length ? history[history.length - 1].t : Date.now();
    const seen = history.length ? now - history[0].t : 0;
    return { now, span: Math.min(HISTORY_MS, Math.max(MIN_SPAN_MS, seen)) };
  }

  function niceStep(range, targetTicks) {
    const raw = range / Math.max(1, targetTicks);
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const fraction = raw / power;
    const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
    return nice * power;
  }

  function emptyMessage(ctx, width, height, message) {
    ctx.fillStyle = theme.faint;
    ctx.font = `13px ${theme.font}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(message, width / 2, height / 2);
  }

  function drawLineChart(canvas, series, options) {
    const surface = prepare(canvas);
    if (!surface) return;
    const { ctx, width, height } = surface;
    const { now, span } = timeSpan();
    const x0 = now - span;
    let max = options.minMax;
    for (const s of series) {
      for (const [, v] of s.points) if (v !== null && v > max) max = v;
    }
    const step = niceStep(max, 4);
    const top = Math.max(step, Math.ceil(max / step) * step);

    ctx.font = `11px ${theme.font}`;
    let labelWidth = 0;
    for (let v = 0; v <= top + step / 2; v += step) labelWidth = Math.max(labelWidth, ctx.measureText(formatCompact(v)).width);
    const pad = { left: Math.ceil(labelWidth) + 12, right: 12, top: 10, bottom: 22 };
    const plotW = width - pad.left - pad.right;
    const plotH = height - pad.top - pad.bottom;
    const x = (t) => pad.left + ((t - x0) / span) * plotW;
    const y = (v) => pad.top + plotH - (v / top) * plotH;

    ctx.strokeStyle = theme.grid;
    ctx.lineWidth = 1;
    ctx.fillStyle = theme.muted;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let v = 0; v <= top + step / 2; v += step) {
      const py = Math.round(y(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(pad.left, py);
      ctx.lineTo(width - pad.right, py);
      ctx.stroke();
      ctx.fillText(formatCompact(v), pad.left - 8, py);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const spanSeconds = Math.round(span / 1000);
    const tick = [5, 10, 15, 30, 60].find((c) => spanSeconds / c <= 5) || 60;
    for (let s = Math.floor(spanSeconds / tick) * tick; s >= 0; s -= tick) {
      const px = x(now - s * 1000);
      ctx.fillText(s === 0 ? 'now' : `−${s}s`, Math.min(Math.max(px, pad.left + 12), width - pad.right - 12), height - pad.bottom + 6);
    }

    const drawn = series.filter((s) => s.points.some(([, v]) => v !== null));
    if (!drawn.length) {
      emptyMessage(ctx, width, height - pad.bottom, options.empty);
      return;
    }

    ctx.save();
    ctx.beginPath();
    ctx.rect(pad.left, pad.top - 4, plotW, plotH + 8);
    ctx.clip();
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    for (const s of drawn) {
      if (s.fill) {
        ctx.beginPath();
        let started = false;
        let firstX = 0;
        let lastX = 0;
        for (const [t, v] of s.points) {
          if (v === null) continue;
          if (!started) {
            firstX = x(t);
            ctx.moveTo(firstX, y(v));
            started = true;
          } else {
            ctx.lineTo(x(t), y(v));
          }
          lastX = x(t);
        }
        ctx.lineTo(lastX, y(0));
        ctx.lineTo(firstX, y(0));
        ctx.closePath();
        const gradient = ctx.createLinearGradient(0, pad.top, 0, pad.top + plotH);
        gradient.addColorStop(0, withAlpha(s.color, 0.28));
        gradient.addColorStop(1, withAlpha(s.color, 0));
        ctx.fillStyle = gradient;
        ctx.fill();
      }
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 2;
      ctx.setLineDash(s.dash || []);
      ctx.beginPath();
      let pen = false;
      for (const [t, v] of s.points) {
        if (v === null) {
          pen = false;
          continue;
        }
        if (pen) ctx.lineTo(x(t), y(v));
        else ctx.moveTo(x(t), y(v));
        pen = true;
      }
      ctx.stroke();
      ctx.setLineDash([]);
      const last = [...s.points].reverse().find(([, v]) => v !== null);
      if (last) {
        ctx.fillStyle = s.color;
        ctx.beginPath();
        ctx.arc(x(last[0]), y(last[1]), 3, 0, Math.PI * 2);
        ctx.fill();
      }
    }
    ctx.restore();
  }

  function drawSparkline(canvas, values, color) {
    const surface = prepare(canvas);
    if (!surface) return;
    const { ctx, width, height } = surface;
    const points = values.filter(([, v]) => v !== null);
    if (points.length < 2) return;
    const { now, span } = timeSpan();
    const x0 = now - span;
    const max = Math.max(...points.map(([, v]) => v), 1e-9);
    const x = (t) => ((t - x0) / span) * width;
    const y = (v) => height - 2 - (v / max) * (height - 4);
    ctx.beginPath();
    points.forEach(([t, v], i) => (i ? ctx.lineTo(x(t), y(v)) : ctx.moveTo(x(t), y(v))));
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.stroke();
    ctx.lineTo(x(points[points.length - 1][0]), height);
    ctx.lineTo(x(points[0][0]), height);
    ctx.closePath();
    ctx.fillStyle = withAlpha(color, 0.14);
    ctx.fill();
  }

  // Horizontal bars: one row per item, each bar made of stacked segments.
  function drawBars(canvas, items, options) {
    const wanted = `${Math.max(56, items.length * BAR_ROW_PX)}px`;
    if (canvas.style.height !== wanted) canvas.style.height = wanted;
    const surface = prepare(canvas);
    if (!surface) return;
    const { ctx, width, height } = surface;
    if (!items.length) {
      emptyMessage(ctx, width, height, options.empty);
      return;
    }
    ctx.font = `12px ${theme.font}`;
    const labelWidth = Math.min(width * 0.36, Math.max(...items.map((i) => ctx.measureText(i.label).width)) + 12);
    const valueWidth = Math.max(...items.map((i) => ctx.measureText(i.valueText).width)) + 10;
    const shared = Math.max(...items.map((i) => i.segments.reduce((sum, s) => sum + Math.max(0, s.value), 0)), 1);
    const rowH = Math.min(BAR_ROW_PX, height / items.length);
    const barH = Math.max(6, rowH * 0.56);
    const plotW = Math.max(10, width - labelWidth - valueWidth);
    items.forEach((item, index) => {
      const cy = index * rowH + rowH / 2;
      ctx.fillStyle = theme.text;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      ctx.fillText(ellipsize(ctx, item.label, labelWidth - 12), 0, cy);
      ctx.fillStyle = theme.surface2;
      roundRect(ctx, labelWidth, cy - barH / 2, plotW, barH, 3);
      ctx.fill();
      const max = options.perItemScale ? Math.max(1, item.scale ?? 0, item.segments.reduce((sum, s) => sum + Math.max(0, s.value), 0)) : shared;
      let offset = 0;
      for (const segment of item.segments) {
        const w = (Math.max(0, segment.value) / max) * plotW;
        if (w <= 0) continue;
        ctx.fillStyle = segment.color;
        roundRect(ctx, labelWidth + offset, cy - barH / 2, w, barH, 3);
        ctx.fill();
        offset += w;
      }
      ctx.fillStyle = theme.muted;
      ctx.textAlign = 'right';
      ctx.fillText(item.valueText, width, cy);
    });
  }

  function roundRect(ctx, x, y, w, h, r) {
    const radius = Math.min(r, w / 2, h / 2);
    ctx.beginPath();
    ctx.moveTo(x + radius, y);
    ctx.arcTo(x + w, y, x + w, y + h, radius);
    ctx.arcTo(x + w, y + h, x, y + h, radius);
    ctx.arcTo(x, y + h, x, y, radius);
    ctx.arcTo(x, y, x + w, y, radius);
    ctx.closePath();
  }

  function ellipsize(ctx, text, maxWidth) {
    if (ctx.measureText(text).width <= maxWidth) return text;
    let cut = text;
    while (cut.length > 1 && ctx.measureText(cut + '…').width > maxWidth) cut = cut.slice(0, -1);
    return cut + '…';
  }

  function withAlpha(color, alpha) {
    const hex = color.replace('#', '');
    if (!/^[0-9a-f]{6}$/i.test(hex)) return color;
    const value = parseInt(hex, 16);
    return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
  }

  function drawAll() {
    if (!theme || $('dashboard-view').hidden) return;
    const history = state.history;
    const { span } = timeSpan();
    setText('orders-span', span >= HISTORY_MS ? 'last 2 minutes' : `last ${Math.round(span / 1000)} s`);
    drawLineChart($('chart-orders'), orderSeries(), { minMax: 1, empty: 'Waiting for orders…' });
    drawLineChart($('chart-latency'), [
      { label: 'p50', color: theme.p50, fill: true, points: history.map((h) => [h.t, h.p50]) },
      { label: 'p99', color: theme.p99, points: history.map((h) => [h.t, h.p99]) },
    ], { minMax: 1, empty: 'No placements in the window yet.' });
    const latest = state.latest;
    const last = history.length ? history[history.length - 1] : {};
    const latency = { p50: last.p50, p99: last.p99 };
    $('legend-latency').replaceChildren(
      el('li', {}, [legendSwatch(theme.p50, []), el('span', { text: 'p50' }), el('span', { className: 'rate', text: `${formatMs(latency.p50)} ms` })]),
      el('li', {}, [legendSwatch(theme.p99, []), el('span', { text: 'p99' }), el('span', { className: 'rate', text: `${formatMs(latency.p99)} ms` })]));

    const skus = (latest && Array.isArray(latest.hotSkus)) ? latest.hotSkus : [];
    drawBars($('chart-skus'), skus.map((s) => ({
      label: String(s.sku),
      valueText: `${formatInt(s.available)} / ${formatInt(s.onHand)}`,
      scale: num(s.onHand) || 0,
      segments: [
        { value: num(s.available) || 0, color: theme.available },
        { value: num(s.reserved) || 0, color: theme.reserved },
      ],
    })), { empty: 'No SKU has taken orders yet.', perItemScale: true });
    const activations = (latest && Array.isArray(latest.activations)) ? latest.activations : [];
    drawBars($('chart-activations'), activations.map((a) => ({
      label: String(a.grainType),
      valueText: formatInt(a.count),
      segments: [{ value: num(a.count) || 0, color: theme.bar }],
    })), { empty: 'No activations.' });

    drawSparkline($('spark-orders'), history.map((h) => [h.t, h.total]), theme.series[0]);
    drawSparkline($('spark-p50'), history.map((h) => [h.t, h.p50]), theme.p50);
    drawSparkline($('spark-p99'), history.map((h) => [h.t, h.p99]), theme.p99);
    drawSparkline($('spark-erp'), history.map((h) => [h.t, h.lag]), theme.reserved);
    drawSparkline($('spark-dead'), history.map((h) => [h.t, h.deadLetters]), theme.bad);
    drawSparkline($('spark-activations'), history.map((h) => [h.t, h.activations]), theme.bar);
  }

  // ---- pages ------------------------------------------------------------------------------------------------
  // The nav's buttons set #dashboard-view[data-page] (the CSS hides the live figures on other pages) and show the
  // <section class="page" data-page="..."> of that name; each page's own script listens for 'ordergrains:page'.

  function showPage(name) {
    const view = $('dashboard-view');
    if (view.dataset.page === name) return;
    view.dataset.page = name;
    for (const tab of document.querySelectorAll('#pages .page-tab')) {
      if (tab.dataset.page === name) tab.setAttribute('aria-current', 'page');
      else tab.removeAttribute('aria-current');
    }
    for (const page of view.querySelectorAll(':scope > .page')) page.hidden = page.dataset.page !== name;
    document.dispatchEvent(new CustomEvent('ordergrains:page', { detail: { page: name } }));
    if (name === 'live') requestAnimationFrame(drawAll);
  }

  // ---- start ------------------------------------------------------------------------------------------------

  function start() {
    theme = readTheme();
    $('login-form').addEventListener('submit', onLogin);
    $('logout').addEventListener('click', onLogout);
    $('search-form').addEventListener('submit', onSearch);
    for (const tab of document.querySelectorAll('#pages .page-tab')) {
      tab.addEventListener('click', () => showPage(tab.dataset.page));
    }
    $('search-close').addEventListener('click', () => {
      $('search-result').hidden = true;
    });
    let resizeFrame = 0;
    window.addEventListener('resize', () => {
      cancelAnimationFrame(resizeFrame);
      resizeFrame = requestAnimationFrame(drawAll);
    });

    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) {
      state.token = saved;
      showDashboard();
      markConnection('connecting', 'Connecting…');
      poll(state.generation).then(() => {
        if (state.token) startPolling();
      });
    } else {
      showLogin('');
    }
  }

  start();
})();
