// OrderGrains operations dashboard, Review page: the review queue (GET /admin/review-queue) of held orders from the
// order read model, oldest hold first, with filters, counts per hold reason and age, cursor paging, and Approve and
// Reject buttons that call /admin/orders/{id}/approve and /reject as the signed-in operator. A refusal (403 for a
// viewer, 409 when the next step needs a role the caller lacks) shows as the API's message. Polls while shown; the
// tab's badge counts held orders while signed in. Uses admin-api.js for calls; shares nothing with dashboard.js but the session's token and the
// 'ordergrains:page' event.
(function () {
  'use strict';

  const { token, call, problem, node, when } = window.OrderGrainsAdminApi;
  const PAGE_POLL_MS = 2000;
  const BADGE_POLL_MS = 5000;
  const PAGE_SIZE = 25;

  const $ = (id) => document.getElementById(id);

  const review = {
    shown: false,
    timer: 0,
    generation: 0,
    // cursors[i] opens page i + 1 (null: the first page); next is the current page's nextCursor.
    cursors: [null],
    index: 0,
    next: null,
  };

  function age(seconds) {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '–';
    if (seconds < 60) return `${Math.floor(seconds)} s`;
    if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
    if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
    return `${Math.floor(seconds / 86400)} d ${Math.floor((seconds % 86400) / 3600)} h`;
  }

  function money(minor, currency) {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }

  function showError(message) {
    const banner = $('review-error');
    banner.textContent = message || '';
    banner.hidden = !message;
  }

  function showStatus(message) {
    $('review-status').textContent = message || '';
  }

  // ---- the queue --------------------------------------------------------------------------------------------

  function filterQuery() {
    const params = new URLSearchParams();
    const set = (id, name) => {
      const value = $(id).value.trim();
      if (value) params.set(name, value);
    };
    set('review-reason', 'holdReason');
    set('review-min-age', 'minAge');
    set('review-role', 'role');
    set('review-channel', 'channel');
    if ($('review-mine').checked) params.set('mine', 'true');
    params.set('limit', String(PAGE_SIZE));
    return params;
  }

  function renderCounts(view) {
    const buckets = (b) => `<1h ${b.under1h} · 1–4h ${b.from1hTo4h} · 4–24h ${b.from4hTo24h} · >24h ${b.over24h}`;
    const items = [node('li', { 'data-reason': 'all', title: buckets(view.byAge) }, [document.createTextNode('Held'), node('strong', { text: String(view.total) })])];
    for (const r of view.byReason || []) {
      items.push(node('li', { 'data-reason': String(r.reason), title: `${buckets(r.byAge)}; oldest held since ${when(r.oldestHeldSince)}` }, [
        document.createTextNode(String(r.reason)),
        node('strong', { text: String(r.total) }),
      ]));
    }
    $('review-counts').replaceChildren(...items);
    const a = view.byAge;
    $('review-ages').textContent = `by age: under 1 h ${a.under1h} · 1–4 h ${a.from1hTo4h} · 4–24 h ${a.from4hTo24h} · over 24 h ${a.over24h}`;
  }

  function renderItems(items) {
    const rows = items.map((o) => {
      const approve = node('button', { type: 'button', className: 'button button-ghost button-small', 'data-action': 'approve', text: 'Approve' });
      approve.addEventListener('click', () => decide(o, 'approve', approve));
      const reject = node('button', { type: 'button', className: 'button button-ghost button-small', 'data-action': 'reject', text: 'Reject' });
      reject.addEventListener('click', () => decide(o, 'reject', reject));
      const steps = o.stepsRequired > 0 ? `${o.stepsDone}/${o.stepsRequired}` : '–';
      const approvedBy = (o.approvers || []).length ? ` (${o.approvers.join(', ')})` : '';
      return node('tr', { 'data-order-id': String(o.orderId), 'data-reason': String(o.holdReason) }, [
        node('td', { className: 'id', text: String(o.orderId) }),
        node('td', { className: 'channel', text: String(o.channel) }),
        node('td', { className: 'customer', text: String(o.customerId) }),
        node('td', { className: 'num total', text: money(o.totalMinor, o.currency) }),
        node('td', { className: 'reason', text: String(o.holdReason) }),
        node('td', { className: 'details', text: o.holdDetails ? String(o.holdDetails) : '' }),
        node('td', { className: 'held-since', text: when(o.heldSince) }),
        node('td', { className: 'num age', text: age(o.ageSeconds) }),
        node('td', { className: 'steps', text: steps + approvedBy }),
        node('td', { className: 'next-role', text: o.nextRole ? String(o.nextRole) : '–' }),
        node('td', { className: 'actions' }, [approve, reject]),
      ]);
    });
    if (!rows.length) rows.push(node('tr', {}, [node('td', { className: 'empty', colspan: '11', text: 'No held orders match.' })]));
    $('review-table').tBodies[0].replaceChildren(...rows);
  }

  function showBadge(total) {
    const badge = $('review-held-count');
    const count = typeof total === 'number' ? total : 0;
    badge.textContent = String(count);
    badge.hidden = count === 0;
    badge.setAttribute('aria-label', `${count} held orders`);
  }

  async function refreshPage() {
    if (!token()) return;
    const params = filterQuery();
    const cursor = review.cursors[review.index];
    if (cursor) params.set('cursor', cursor);
    const result = await call('GET', `/admin/review-queue?${params}`);
    if (!result.ok || !result.body) {
      showError(`The review queue could not be read: ${problem(result)}.`);
      return;
    }
    const view = result.body;
    // The page emptied under the operator (its orders were decided): back to the first page.
    if (!view.items.length && review.index > 0) {
      review.index = 0;
      await refreshPage();
      return;
    }
    renderCounts(view);
    renderItems(view.items || []);
    review.next = view.nextCursor || null;
    $('review-page-number').textContent = String(review.index + 1);
    $('review-next').disabled = !review.next;
    $('review-first').disabled = review.index === 0;
    showBadgeIfUnfiltered(params, view.total);
  }

  // The badge counts the whole queue: only an unfiltered answer can set it from here.
  function showBadgeIfUnfiltered(params, total) {
    const filtered = ['holdReason', 'minAge', 'role', 'channel', 'mine'].some((key) => params.has(key));
    if (!filtered) showBadge(total);
  }

  async function decide(order, action, button) {
    button.disabled = true;
    const note = $('review-note').value.trim();
    const path = `/admin/orders/${encodeURIComponent(order.orderId)}/${action}`;
    try {
      const result = action === 'reject' ? await call('POST', path, note ? { reason: note } : {}) : await call('POST', path);
      if (!result.ok) {
        showError(`${action === 'approve' ? 'Approve' : 'Reject'} ${order.orderId}: ${problem(result)}`);
        button.disabled = false;
        return;
      }
      showError('');
      const status = result.body && result.body.status;
      showStatus(action === 'approve'
        ? (status === 'OnHold' ? `${order.orderId}: step approved; the next step needs another approver.` : `${order.orderId} approved (${status}).`)
        : `${order.orderId} rejected.`);
      // The queue reads the read model, which follows the order within a poll interval: look again shortly.
      await refreshPage();
      window.setTimeout(() => refreshPage().catch(() => {}), 500);
    } catch (error) {
      showError(`${order.orderId}: the host did not answer (${error.message}).`);
      button.disabled = false;
    }
  }

  async function refreshBadge() {
    if (!token() || review.shown) return;
    try {
      const result = await call('GET', '/admin/review-queue?limit=1');
      if (result.ok && result.body) showBadge(result.body.total);
    } catch (error) {
      // The live page shows the host as offline; the badge keeps its last figure.
    }
  }

  function restart() {
    review.cursors = [null];
    review.index = 0;
    refreshPage().catch((error) => showError(`The host is not answering (${error.message}); retrying.`));
  }

  function schedule(generation) {
    review.timer = window.setTimeout(async () => {
      if (generation !== review.generation || !review.shown) return;
      try {
        await refreshPage();
      } catch (error) {
        showError(`The host is not answering (${error.message}); retrying.`);
      }
      schedule(generation);
    }, PAGE_POLL_MS);
  }

  function onPage(event) {
    review.shown = event.detail.page === 'review';
    review.generation++;
    window.clearTimeout(review.timer);
    if (!review.shown) return;
    restart();
    schedule(review.generation);
  }

  function start() {
    document.addEventListener('ordergrains:page', onPage);
    $('review-filter').addEventListener('submit', (event) => {
      event.preventDefault();
      restart();
    });
    $('review-filter').addEventListener('change', (event) => {
      if (event.target.id !== 'review-note') restart();
    });
    $('review-next').addEventListener('click', () => {
      if (!review.next) return;
      review.cursors[review.index + 1] = review.next;
      review.index += 1;
      refreshPage();
    });
    $('review-first').addEventListener('click', () => {
      review.index = 0;
      refreshPage();
    });
    window.setInterval(refreshBadge, BADGE_POLL_MS);
    refreshBadge();
  }

  start();
})();
