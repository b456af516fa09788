// OrderGrains operations dashboard, Alerts page: operator alerts of every category (acknowledge, resolve), low-stock
// thresholds per SKU, and the alert webhook. Polls only while the page is shown; the open-alert badge in the nav is
// refreshed while signed in. Uses admin-api.js for calls; shares nothing with dashboard.js but the session's token and the 'ordergrains:page' event.
(function () {
  'use strict';

  const { token, call, problem, node, when } = window.OrderGrainsAdminApi;
  const PAGE_POLL_MS = 2000;
  const BADGE_POLL_MS = 5000;

  const $ = (id) => document.getElementById(id);

  const alertsState = { shown: false, timer: 0, generation: 0, busy: false };

  function figure(value, digits) {
    return typeof value === 'number' && Number.isFinite(value) ? Number(value.toFixed(digits)).toLocaleString('en-US') : '–';
  }

  function showAlertsError(message) {
    const banner = $('alerts-error');
    banner.textContent = message || '';
    banner.hidden = !message;
  }

  // ---- the alert list ---------------------------------------------------------------------------------------

  function alertsQuery() {
    const parts = [];
    const status = $('alerts-status').value;
    const category = $('alerts-category').value;
    if (status) parts.push(`status=${encodeURIComponent(status)}`);
    if (category) parts.push(`category=${encodeURIComponent(category)}`);
    return parts.length ? `?${parts.join('&')}` : '';
  }

  function renderAlerts(view) {
    const rows = (view.alerts || []).map((a) => {
      const actions = node('td', { className: 'actions' });
      if (a.status === 'Open') actions.append(actionButton(a, 'acknowledge', 'Acknowledge'));
      if (a.status !== 'Resolved') actions.append(actionButton(a, 'resolve', 'Resolve'));
      return node('tr', { 'data-alert-id': String(a.alertId), 'data-status': String(a.status), 'data-category': String(a.category) }, [
        node('td', { className: 'raised', text: when(a.raisedAt) }),
        node('td', { className: 'category', text: String(a.category) }),
        node('td', { className: 'kind', text: String(a.kind) }),
        node('td', { className: 'id', text: String(a.subject) }),
        node('td', { className: 'message', text: String(a.message) }),
        node('td', { className: 'status', text: String(a.status) }),
        node('td', { className: 'decided-by', text: a.decidedBy ? String(a.decidedBy) : '' }),
        actions,
      ]);
    });
    if (!rows.length) rows.push(node('tr', {}, [node('td', { className: 'empty', colspan: '8', text: 'No alerts.' })]));
    $('alerts-table').tBodies[0].replaceChildren(...rows);
    showOpenCount(view.open);
  }

  function actionButton(alert, action, label) {
    const button = node('button', { type: 'button', className: 'button button-ghost button-small', 'data-action': action, text: label });
    button.addEventListener('click', async () => {
      button.disabled = true;
      const path = `/admin/alerts/${encodeURIComponent(alert.alertId)}/${action}?category=${encodeURIComponent(alert.category)}`;
      await act(() => call('POST', path), `${label} ${alert.alertId}`);
    });
    return button;
  }

  function showOpenCount(open) {
    const badge = $('alerts-open-count');
    const count = typeof open === 'number' ? open : 0;
    badge.textContent = String(count);
    badge.hidden = count === 0;
    badge.setAttribute('aria-label', `${count} open alerts`);
  }

  // ---- thresholds -------------------------------------------------------------------------------------------

  function describeThreshold(threshold) {
    if (!threshold) return '–';
    if (typeof threshold.minAvailable === 'number') return `available ≤ ${threshold.minAvailable}`;
    return `≤ ${threshold.daysOfCover} days of cover`;
  }

  function renderThresholds(statuses) {
    const rows = statuses.map((t) => {
      const remove = node('button', { type: 'button', className: 'button button-ghost button-small', 'data-action': 'remove', text: 'Remove' });
      remove.addEventListener('click', async () => {
        remove.disabled = true;
        await act(() => call('DELETE', `/admin/skus/${encodeURIComponent(t.sku)}/threshold`), `Remove the threshold of ${t.sku}`);
      });
      return node('tr', { 'data-sku': String(t.sku), 'data-low': String(Boolean(t.low)) }, [
        node('td', { className: 'id', text: String(t.sku) }),
        node('td', { className: 'threshold', text: describeThreshold(t.threshold) }),
        node('td', { className: 'num available', text: figure(t.available, 0) }),
        node('td', { className: 'num rate', text: figure(t.unitsPerDay, 2) }),
        node('td', { className: 'num cover', text: figure(t.daysOfCover, 1) }),
        node('td', { className: 'state', text: t.low ? 'Low' : 'OK' }),
        node('td', { className: 'actions' }, [remove]),
      ]);
    });
    if (!rows.length) rows.push(node('tr', {}, [node('td', { className: 'empty', colspan: '7', text: 'No SKU has a threshold yet.' })]));
    $('thresholds-table').tBodies[0].replaceChildren(...rows);
  }

  async function onSetThreshold(event) {
    event.preventDefault();
    const sku = $('threshold-sku').value.trim();
    const kind = $('threshold-kind').value;
    const raw = $('threshold-value').value.trim();
    if (!sku || raw === '') {
      showAlertsError('Enter a SKU and a threshold value.');
      return;
    }
    const value = Number(raw);
    const body = kind === 'minAvailable' ? { minAvailable: value } : { daysOfCover: value };
    const button = $('threshold-submit');
    button.disabled = true;
    try {
      await act(() => call('PUT', `/admin/skus/${encodeURIComponent(sku)}/threshold`, body), `Set the threshold of ${sku}`);
    } finally {
      button.disabled = false;
    }
  }

  // ---- webhook ----------------------------------------------------------------------------------------------

  function renderWebhook(view) {
    const fields = [
      ['state', 'State', view.enabled ? (view.retrying > 0 ? `retrying (${view.retrying} partitions)` : 'delivering') : 'off (OrderGrains:Alerts:Webhook:Url)'],
      ['url', 'URL', view.url || '–'],
      ['delivered', 'Delivered', figure(view.delivered, 0)],
      ['failed', 'Failed attempts', figure(view.failedAttempts, 0)],
      ['given-up', 'Given up', figure((view.givenUp || []).length, 0)],
    ];
    $('webhook-summary').replaceChildren(...fields.map(([key, label, value]) =>
      node('div', { 'data-field': key }, [node('dt', { text: label }), node('dd', { text: String(value) })])));
    const rows = (view.givenUp || []).map((g) => node('tr', { 'data-alert-id': String(g.alertId) }, [
      node('td', { className: 'id', text: String(g.alertId) }),
      node('td', { className: 'num', text: String(g.statusCode) }),
      node('td', { text: String(g.reason) }),
    ]));
    if (!rows.length) rows.push(node('tr', {}, [node('td', { className: 'empty', colspan: '3', text: 'None.' })]));
    $('webhook-given-up').tBodies[0].replaceChildren(...rows);
  }

  // ---- refresh and polling ----------------------------------------------------------------------------------

  async function act(request, what) {
    try {
      const result = await request();
      if (!result.ok) {
        showAlertsError(`${what}: ${problem(result)}`);
        return;
      }
      showAlertsError('');
      await refreshPage();
    } catch (error) {
      showAlertsError(`${what}: the host did not answer (${error.message}).`);
    }
  }

  async function refreshPage() {
    if (!token()) return;
    const [alerts, thresholds, webhook] = await Promise.all([
      call('GET', `/admin/alerts${alertsQuery()}`),
      call('GET', '/admin/thresholds'),
      call('GET', '/admin/alerts/webhook'),
    ]);
    const failed = [alerts, thresholds, webhook].find((r) => !r.ok || !r.body);
    if (failed) {
      showAlertsError(`The alerts could not be read: ${problem(failed)}.`);
      return;
    }
    renderAlerts(alerts.body);
    renderThresholds(thresholds.body);
    renderWebhook(webhook.body);
  }

  async function refreshBadge() {
    if (!token() || alertsState.shown) return;
    try {
      const result = await call('GET', '/admin/alerts?status=Open');
      if (result.ok && result.body) showOpenCount(result.body.open);
    } catch (error) {
      // The live page shows the host as offline; the badge keeps its last figure.
    }
  }

  function schedule(generation) {
    alertsState.timer = window.setTimeout(async () => {
      if (generation !== alertsState.generation || !alertsState.shown) return;
      try {
        await refreshPage();
      } catch (error) {
        showAlertsError(`The host is not answering (${error.message}); retrying.`);
      }
      schedule(generation);
    }, PAGE_POLL_MS);
  }

  function onPage(event) {
    alertsState.shown = event.detail.page === 'alerts';
    alertsState.generation++;
    window.clearTimeout(alertsState.timer);
    if (!alertsState.shown) return;
    const generation = alertsState.generation;
    refreshPage().catch((error) => showAlertsError(`The host is not answering (${error.message}); retrying.`));
    schedule(generation);
  }

  function startAlerts() {
    document.addEventListener('ordergrains:page', onPage);
    $('alerts-filter').addEventListener('change', () => refreshPage());
    $('threshold-form').addEventListener('submit', onSetThreshold);
    window.setInterval(refreshBadge, BADGE_POLL_MS);
    refreshBadge();
  }

  startAlerts();
})();
