// OrderGrains dashboard, Orders page: searches the order read model (GET /admin/orders) with filters and cursor
// paging, shows counts per status and the read model's lag, and draws orders per channel and day as SVG with a CSV
// download. Kept apart from dashboard.js, which it only shares the session token and the page frame with.
(function () {
  'use strict';

  const TOKEN_KEY = 'ordergrains.adminToken';
  const ROUTE = '#orders';
  const CHART_DAYS = 14;
  const SVG_NS = 'http://www.w3.org/2000/svg';

  const $ = (id) => document.getElementById(id);

  const paging = {
    // cursors[i] is the cursor that opens page i + 1 (null: the first page).
    cursors: [null],
    index: 0,
    next: null,
    query: '',
  };

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function signedIn() {
    return Boolean(token()) && !$('session-bar').hidden;
  }

  async function api(path) {
    const response = await fetch(path, { headers: { Authorization: `Bearer ${token()}` }, cache: 'no-store' });
    if (!response.ok) {
      let detail = `${response.status} ${response.statusText}`;
      try {
        const problem = await response.json();
        if (problem && problem.detail) detail = problem.detail;
      } catch (_) {
        // Not a problem document: the status line says enough.
      }
      throw new Error(detail);
    }
    return response;
  }

  function showError(message) {
    const banner = $('orders-error');
    banner.textContent = message || '';
    banner.hidden = !message;
  }

  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function day(offset) {
    const d = new Date();
    d.setUTCDate(d.getUTCDate() + offset);
    return d.toISOString().slice(0, 10);
  }

  function nextDay(value) {
    const d = new Date(`${value}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 1);
    return d.toISOString().slice(0, 10);
  }

  function money(minor, currency) {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }

  // ---- search and paging ------------------------------------------------------------------------------------

  function filterQuery() {
    const params = new URLSearchParams();
    const text = (id, name) => {
      const value = $(id).value.trim();
      if (value) params.set(name, value);
    };
    text('filter-status', 'status');
    text('filter-channel', 'channel');
    text('filter-customer', 'customer');
    text('filter-sku', 'sku');
    text('filter-hold', 'holdReason');
    if ($('filter-from').value) params.set('createdFrom', `${$('filter-from').value}T00:00:00Z`);
    if ($('filter-to').value) params.set('createdTo', `${nextDay($('filter-to').value)}T00:00:00Z`);
    params.set('limit', $('filter-limit').value);
    return params;
  }

  async function loadPage() {
    const params = new URLSearchParams(paging.query);
    const cursor = paging.cursors[paging.index];
    if (cursor) params.set('cursor', cursor);
    try {
      const page = await (await api(`/admin/orders?${params}`)).json();
      renderOrders(page.orders || []);
      paging.next = page.nextCursor || null;
      showError('');
    } catch (error) {
      renderOrders([]);
      paging.next = null;
      showError(`Orders: ${error.message}`);
    }
    $('orders-page-number').textContent = String(paging.index + 1);
    $('orders-next').disabled = !paging.next;
    $('orders-prev').disabled = paging.index === 0;
    $('orders-first').disabled = paging.index === 0;
  }

  function renderOrders(orders) {
    const body = $('orders-table').tBodies[0];
    if (!orders.length) {
      const row = document.createElement('tr');
      const empty = cell('No orders match.', 'empty');
      empty.colSpan = 9;
      row.append(empty);
      body.replaceChildren(row);
      return;
    }
    body.replaceChildren(...orders.map((o) => {
      const row = document.createElement('tr');
      row.dataset.orderId = o.orderId;
      row.append(
        cell(o.orderId, 'id'),
        cell(o.status),
        cell(o.channel),
        cell(o.customerId),
        cell((o.skus || []).join(', ')),
        cell(String(o.units), 'num'),
        cell(money(o.totalMinor, o.currency), 'num'),
        cell(o.holdReason || ''),
        cell(new Date(o.createdAt).toLocaleString()));
      return row;
    }));
  }

  async function search(event) {
    if (event) event.preventDefault();
    paging.query = filterQuery().toString();
    paging.cursors = [null];
    paging.index = 0;
    await Promise.all([loadPage(), loadCounts(), loadLag()]);
  }

  async function loadCounts() {
    const params = new URLSearchParams();
    const query = new URLSearchParams(paging.query);
    for (const key of ['createdFrom', 'createdTo']) {
      if (query.get(key)) params.set(key, query.get(key));
    }
    try {
      const counts = await (await api(`/admin/read-model/counts?${params}`)).json();
      const items = Object.entries(counts.byStatus || {}).map(([status, count]) => {
        const li = document.createElement('li');
        li.dataset.status = status;
        li.append(document.createTextNode(status));
        const strong = document.createElement('strong');
        strong.textContent = String(count);
        li.append(strong);
        return li;
      });
      $('order-counts').replaceChildren(...items);
    } catch (error) {
      showError(`Counts: ${error.message}`);
    }
  }

  async function loadLag() {
    try {
      const lag = await (await api('/admin/read-model')).json();
      $('read-model-lag').textContent = `Read model lag ${Number(lag.lagSeconds).toFixed(1)} s · backlog ${lag.backlog}`;
    } catch (error) {
      $('read-model-lag').textContent = `Read model lag unknown (${error.message})`;
    }
  }

  // ---- channel figures --------------------------------------------------------------------------------------

  function channelQuery() {
    const params = new URLSearchParams({ from: $('channels-from').value, to: $('channels-to').value });
    const channel = $('filter-channel').value.trim();
    if (channel) params.set('channel', channel);
    return params;
  }

  async function loadChannels() {
    const params = channelQuery();
    $('channels-csv').href = `/admin/read-model/channels.csv?${params}`;
    try {
      const figures = await (await api(`/admin/read-model/channels?${params}`)).json();
      renderChannelTable(figures.days || []);
      drawChannelChart(figures.days || [], figures.from, figures.to);
    } catch (error) {
      showError(`Channel figures: ${error.message}`);
    }
  }

  function renderChannelTable(days) {
    const body = $('channels-table').tBodies[0];
    body.replaceChildren(...days.map((d) => {
      const row = document.createElement('tr');
      row.append(
        cell(d.day),
        cell(d.channel),
        cell(d.currency),
        cell(String(d.orders), 'num'),
        cell(String(d.units), 'num'),
        cell(money(d.revenueMinor, d.currency), 'num'),
        cell(`${(d.cancellationRate * 100).toFixed(1)} %`, 'num'),
        cell(`${(d.returnRate * 100).toFixed(1)} %`, 'num'));
      return row;
    }));
  }

  function svg(name, attributes, text) {
    const node = document.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Grouped bars: one group per day, one bar per channel (orders, all currencies together).
  function drawChannelChart(days, from, to) {
    const chart = $('chart-channels');
    // Drawn in the element's own pixels, so text keeps its shape at any width.
    const width = Math.max(320, Math.round(chart.getBoundingClientRect().width) || 800);
    const height = 240;
    const bottom = 20;
    chart.setAttribute('viewBox', `0 0 ${width} ${height}`);
    const colours = getComputedStyle(document.documentElement).getPropertyValue('--series').split(',').map((c) => c.trim()).filter(Boolean);
    const dates = [];
    for (let d = from; d && d <= to; d = nextDay(d)) dates.push(d);
    const channels = [...new Set(days.map((d) => d.channel))].sort();
    const orders = new Map();
    for (const d of days) {
      const key = `${d.day}|${d.channel}`;
      orders.set(key, (orders.get(key) || 0) + d.orders);
    }
    const max = Math.max(1, ...orders.values());
    const nodes = [svg('line', { class: 'axis', x1: 0, y1: height - bottom, x2: width, y2: height - bottom })];
    if (!channels.length) {
      nodes.push(svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle' }, 'No orders in these days.'));
    }
    const groupWidth = width / Math.max(1, dates.length);
    const barWidth = Math.max(1, (groupWidth * 0.8) / Math.max(1, channels.length));
    dates.forEach((date, i) => {
      channels.forEach((channel, c) => {
        const value = orders.get(`${date}|${channel}`) || 0;
        if (!value) return;
        // The legend takes the top rows.
        const h = (value / max) * (height - bottom - 8 - channels.length * 14);
        const bar = svg('rect', {
          x: i * groupWidth + groupWidth * 0.1 + c * barWidth,
          y: height - bottom - h,
          width: barWidth,
          height: h,
          fill: colours[c % colours.length] || '#4f9cf9',
          'data-channel': channel,
          'data-day': date,
        });
        bar.append(svg('title', {}, `${channel} ${date}: ${value} orders`));
        nodes.push(bar);
      });
      if (dates.length <= 16 || i % Math.ceil(dates.length / 16) === 0) {
        nodes.push(svg('text', { x: i * groupWidth + groupWidth / 2, y: height - 5, 'text-anchor': 'middle' }, date.slice(5)));
      }
    });
    channels.forEach((channel, c) => {
      nodes.push(svg('text', { x: width - 8, y: 14 + c * 14, 'text-anchor': 'end', fill: colours[c % colours.length] }, channel));
    });
    chart.replaceChildren(...nodes);
  }

  // The admin API wants the token in a header, which a plain link cannot send: fetch the file and hand it over.
  async function downloadCsv(event) {
    event.preventDefault();
    const link = event.currentTarget;
    try {
      const response = await api(link.getAttribute('href'));
      const blob = await response.blob();
      const disposition = response.headers.get('Content-Disposition') || '';
      const match = /filename="?([^";]+)"?/.exec(disposition);
      const url = URL.createObjectURL(blob);
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = match ? match[1] : 'channel-figures.csv';
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (error) {
      showError(`CSV: ${error.message}`);
    }
  }

  // ---- page switching ---------------------------------------------------------------------------------------

  function route() {
    const onOrders = location.hash === ROUTE && signedIn();
    $('orders-view').hidden = !onOrders;
    if (signedIn()) $('dashboard-view').hidden = onOrders;
    $('nav-orders').toggleAttribute('aria-current', onOrders);
    if (onOrders) $('nav-orders').setAttribute('aria-current', 'page');
    $('nav-operations').toggleAttribute('aria-current', !onOrders);
    if (!onOrders) $('nav-operations').setAttribute('aria-current', 'page');
    if (onOrders) {
      search();
      loadChannels();
    } else if (signedIn()) {
      // The operations view draws only while visible: redraw it at its size now.
      window.dispatchEvent(new Event('resize'));
    }
  }

  function start() {
    $('channels-from').value = day(-(CHART_DAYS - 1));
    $('channels-to').value = day(0);
    $('orders-filter').addEventListener('submit', (event) => {
      search(event);
      loadChannels();
    });
    $('orders-next').addEventListener('click', () => {
      if (!paging.next) return;
      paging.cursors[paging.index + 1] = paging.next;
      paging.index += 1;
      loadPage();
    });
    $('orders-prev').addEventListener('click', () => {
      if (paging.index === 0) return;
      paging.index -= 1;
      loadPage();
    });
    $('orders-first').addEventListener('click', () => {
      paging.index = 0;
      loadPage();
    });
    $('channels-from').addEventListener('change', loadChannels);
    $('channels-to').addEventListener('change', loadChannels);
    $('channels-csv').addEventListener('click', downloadCsv);
    $('nav-operations').addEventListener('click', (event) => {
      event.preventDefault();
      history.pushState(null, '', location.pathname);
      route();
    });
    $('logout').addEventListener('click', () => {
      $('orders-view').hidden = true;
      history.replaceState(null, '', location.pathname);
    });
    window.addEventListener('hashchange', route);
    // dashboard.js shows the session bar once a token works: then this page may take over.
    new MutationObserver(route).observe($('session-bar'), { attributes: true, attributeFilter: ['hidden'] });
    route();
  }

  start();
})();
