// Order page: the order as the merchant server knows it (GET /api/orders/{order_number}), which
// only a verified webhook or a verified Points lookup changes. While it is pending the page asks
// again, with back-off, so a late webhook shows without a reload; a confirmed order is asked
// about now and then (a refund or a shipping update may still come), a finished one never.
(function () {
  'use strict';
  var lang = document.documentElement.lang === 'en' ? 'en' : 'ar';
  var TEXT = {
    ar: {
      states: { pending: 'قيد المعالجة', confirmed: 'مؤكَّد', failed: 'لم يكتمل', expired: 'انتهت المهلة', refunded: 'مسترجَع' },
      none: 'لا يوجد طلب بعد.', missing: 'لم نجد هذا الطلب.', offline: 'تعذّر الاتصال، سنحاول مجددًا.', unknown: '—'
    },
    en: {
      states: { pending: 'Processing', confirmed: 'Confirmed', failed: 'Not completed', expired: 'Timed out', refunded: 'Refunded' },
      none: 'No order yet.', missing: 'We could not find this order.', offline: 'Could not connect, trying again.', unknown: '—'
    }
  }[lang];
  var box = document.querySelector('[data-testid="order"]');
  var errorBox = document.querySelector('[data-testid="order-error"]');
  var field = function (id) { return document.querySelector('[data-testid="' + id + '"]'); };
  var recent = [];
  try { recent = JSON.parse(window.localStorage.getItem('points-kit:orders') || '[]'); } catch (e) { /* none */ }
  var ref = new URLSearchParams(window.location.search).get('ref') || recent[0];
  var delay = 1000, deadline = Date.now() + 10 * 60 * 1000;
  // How often a settled (confirmed, partly refunded) order is asked about again.
  var WATCH_DELAY = 3000;

  function listRecent() {
    var list = field('recent-orders');
    recent.forEach(function (number) {
      var item = document.createElement('li'), link = document.createElement('a');
      link.href = 'order.html?ref=' + encodeURIComponent(number);
      link.textContent = number;
      link.setAttribute('dir', 'ltr');
      item.appendChild(link);
      list.appendChild(item);
    });
  }

  function show(order) {
    var state = String(order.state);
    box.setAttribute('data-state', state);
    field('order-number').textContent = order.order_number;
    field('order-state').textContent = TEXT.states[state] || state;
    field('order-state').setAttribute('data-state', state);
    field('points-status').textContent = order.order_status || TEXT.unknown;
    field('order-total').textContent = order.total_price;
    var refunded = order.refunded_amount && Number(order.refunded_amount) > 0;
    field('order-refunded').textContent = refunded ? order.refunded_amount : '';
    document.querySelectorAll('[data-refunded]').forEach(function (el) { el.hidden = !refunded; });
    var when = new Date(order.updated_at);
    field('order-updated').textContent = isNaN(when.getTime())
      ? String(order.updated_at) : when.toLocaleString(lang === 'en' ? 'en-GB' : 'ar-SA');
    errorBox.textContent = '';
    // A partial refund leaves the order open to more refunds; a full one finishes it.
    var open = state === 'pending' || state === 'confirmed' ||
      (state === 'refunded' && order.order_status === 'partially_refunded');
    if (state !== 'pending') { delay = Math.max(delay, WATCH_DELAY); }
    return open;
  }

  function ask() {
    fetch('/api/orders/' + encodeURIComponent(ref), { headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then(function (r) {
        if (r.status === 404) { return null; }
        if (!r.ok) { throw new Error('HTTP ' + r.status); }
        return r.json();
      })
      .then(function (order) {
        if (!order) {
          box.setAttribute('data-state', 'not-found');
          errorBox.textContent = TEXT.missing;
          return;
        }
        if (show(order)) { again(); }
      })
      .catch(function () {
        errorBox.textContent = TEXT.offline;
        again();
      });
  }

  function again() {
    if (Date.now() > deadline) { return; }
    window.setTimeout(ask, delay);
    delay = Math.min(delay * 2, Math.max(4000, delay));
  }

  listRecent();
  if (ref && /^[A-Za-z0-9-]{1,64}$/.test(ref)) {
    ask();
  } else {
    box.setAttribute('data-state', 'none');
    errorBox.textContent = TEXT.none;
  }
})();
