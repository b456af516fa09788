// OrderGrains operations dashboard, Returns page: the RMAs of one order (GET /admin/orders/{id}) with the operator's
// decisions (POST /admin/orders/{id}/returns/{rma}/approve|reject|cancel). Lists across orders need the order read model.
(function () {
  'use strict';

  const { call, problem, node } = window.OrderGrainsAdminApi;

  const $ = (id) => document.getElementById(id);

  let currentOrder = null;

  function showReturnsError(message) {
    const banner = $('returns-error');
    banner.textContent = message || '';
    banner.hidden = !message;
  }

  // Which decisions each RMA status allows (the order grain refuses the rest with 409 anyway).
  const DECISIONS = {
    AwaitingApproval: ['approve', 'reject', 'cancel'],
    Approved: ['cancel'],
  };

  function renderReturns(order) {
    const returns = Array.isArray(order.returns) ? order.returns : [];
    $('returns-summary').textContent = `${order.orderId}: ${order.status}, ${returns.length} RMA${returns.length === 1 ? '' : 's'}`;
    const rows = returns.map((r) => {
      const actions = node('td', { className: 'actions' });
      for (const decision of DECISIONS[r.status] || []) actions.append(decisionButton(order.orderId, r.rmaId, decision));
      const units = (r.lines || []).map((l) => `${l.quantity} × ${l.sku}`).join(', ');
      return node('tr', { 'data-rma': String(r.rmaId), 'data-status': String(r.status) }, [
        node('td', { className: 'id', text: String(r.rmaId) }),
        node('td', { className: 'status', text: String(r.status) }),
        node('td', { className: 'reason', text: [r.reasonCode, r.reason].filter(Boolean).join(' · ') }),
        node('td', { className: 'units', text: units }),
        node('td', { text: r.requestedAt ? new Date(r.requestedAt).toLocaleString('en-GB', { hour12: false }) : '–' }),
        node('td', { className: 'decided-by', text: r.decidedBy ? String(r.decidedBy) : '' }),
        node('td', { className: 'num', text: `${(Number(r.refundMinor) / 100).toFixed(2)} ${r.currency || ''}` }),
        actions,
      ]);
    });
    if (!rows.length) rows.push(node('tr', {}, [node('td', { className: 'empty', colspan: '8', text: 'This order has no returns.' })]));
    $('returns-table').tBodies[0].replaceChildren(...rows);
  }

  function decisionButton(orderId, rmaId, decision) {
    const label = decision[0].toUpperCase() + decision.slice(1);
    const button = node('button', { type: 'button', className: 'button button-ghost button-small', 'data-action': decision, text: label });
    button.addEventListener('click', async () => {
      button.disabled = true;
      const note = $('returns-note').value.trim();
      const body = decision === 'approve' || !note ? undefined : { reason: note };
      try {
        const result = await call('POST', `/admin/orders/${encodeURIComponent(orderId)}/returns/${encodeURIComponent(rmaId)}/${decision}`, body);
        if (!result.ok) {
          showReturnsError(`${label} ${rmaId}: ${problem(result)}`);
          button.disabled = false;
          return;
        }
        showReturnsError('');
        await load(orderId);
      } catch (error) {
        showReturnsError(`${label} ${rmaId}: the host did not answer (${error.message}).`);
        button.disabled = false;
      }
    });
    return button;
  }

  async function load(orderId) {
    currentOrder = orderId;
    const result = await call('GET', `/admin/orders/${encodeURIComponent(orderId)}`);
    if (currentOrder !== orderId) return;
    if (!result.ok || !result.body) {
      $('returns-summary').textContent = '';
      $('returns-table').tBodies[0].replaceChildren();
      showReturnsError(result.status === 404 ? `Order ${orderId} was not found.` : `Order ${orderId}: ${problem(result)}`);
      return;
    }
    showReturnsError('');
    renderReturns(result.body.order);
  }

  async function onShow(event) {
    event.preventDefault();
    const orderId = $('returns-order').value.trim();
    if (!orderId) {
      showReturnsError('Enter an order id, e.g. web:1001.');
      return;
    }
    try {
      await load(orderId);
    } catch (error) {
      showReturnsError(`The host did not answer (${error.message}).`);
    }
  }

  $('returns-form').addEventListener('submit', onShow);
})();
