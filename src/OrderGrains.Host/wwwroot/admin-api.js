'use strict';

// What every dashboard page script shares: the signed-in admin token, one JSON call to the admin API (with a timeout,
// the problem body parsed when there is one), a problem's message, and small DOM and time helpers.
window.OrderGrainsAdminApi = (function () {
  const TOKEN_KEY = 'ordergrains.adminToken';
  const REQUEST_TIMEOUT_MS = 5000;

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  async function call(method, path, body) {
    const headers = { Authorization: `Bearer ${token()}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, {
      method,
      headers,
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    let json = null;
    if ((response.headers.get('content-type') || '').includes('json')) {
      try {
        json = await response.json();
      } catch (error) {
        json = null;
      }
    }
    return { status: response.status, ok: response.ok, body: json };
  }

  function problem(result) {
    const body = result.body;
    return (body && (body.detail || body.title)) || `HTTP ${result.status}`;
  }

  function node(tag, attributes, children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (name === 'text') element.textContent = value;
      else if (name === 'className') element.className = value;
      else element.setAttribute(name, value);
    }
    for (const child of children || []) element.append(child);
    return element;
  }

  function when(iso) {
    if (!iso) return '–';
    const at = new Date(iso);
    return Number.isNaN(at.getTime()) ? String(iso) : at.toLocaleString('en-GB', { hour12: false });
  }

  return Object.freeze({ token, call, problem, node, when });
})();
