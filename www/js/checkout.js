// Checkout page: shows the cart line from the catalogue, mounts the `installments` widget for
// its total, and asks the merchant server for a Points checkout session. The server prices the
// cart from its own catalogue; nothing sent from here is trusted.
(function () {
  'use strict';
  var lang = document.documentElement.lang === 'en' ? 'en' : 'ar';
  var TEXT = {
    ar: { missing: 'المنتج غير موجود', cart: 'تعذّر تحميل السلة', pay: 'تعذّر بدء الدفع، حاول مرة أخرى' },
    en: { missing: 'This product does not exist', cart: 'The cart could not be loaded', pay: 'The payment could not start, please try again' }
  }[lang];
  var sku = new URLSearchParams(window.location.search).get('sku') || 'oud-50';
  var pay = document.querySelector('[data-testid="pay"]');
  var errorBox = document.querySelector('[data-testid="checkout-error"]');
  var inFlight = false;
  // One key per page load: a retried or double-clicked payment reuses the same order and the
  // same Points session on the server (it answers 409 if the key comes back with another cart).
  var idempotencyKey = (window.crypto && window.crypto.randomUUID)
    ? window.crypto.randomUUID()
    : String(Date.now()) + '-' + String(Math.random()).slice(2);

  // The error line keeps its height whether empty or not, so showing it moves nothing.
  function showError(text) { errorBox.textContent = text; }

  function mountWidget(total) {
    var widget = document.createElement('points-widget');
    widget.setAttribute('type', 'installments');
    widget.setAttribute('lang', lang);
    widget.setAttribute('price', total);
    widget.setAttribute('multiplier', '10');
    widget.setAttribute('callback-url', lang === 'en' ? '/en/' : '/');
    widget.setAttribute('data-testid', 'installments');
    document.getElementById('installments').appendChild(widget);
  }

  // Remembered for the order page's "recent orders" list: numbers only, no personal data.
  function remember(orderNumber) {
    try {
      var list = JSON.parse(window.localStorage.getItem('points-kit:orders') || '[]');
      list = [orderNumber].concat(list.filter(function (n) { return n !== orderNumber; })).slice(0, 10);
      window.localStorage.setItem('points-kit:orders', JSON.stringify(list));
    } catch (e) { /* no storage */ }
  }

  // The hosted page in the shopper's language (Arabic is its default).
  function hostedUrl(checkoutUrl) {
    if (lang !== 'en') { return checkoutUrl; }
    var url = new URL(checkoutUrl);
    url.searchParams.set('lang', 'en');
    return url.href;
  }

  fetch('/catalog.json')
    .then(function (r) { return r.json(); })
    .then(function (catalog) {
      var product = catalog.products.filter(function (p) { return p.sku === sku; })[0];
      if (!product) { showError(TEXT.missing); return; }
      document.querySelector('[data-testid="cart-name"]').textContent = product.name[lang];
      document.querySelector('[data-testid="cart-total"]').textContent = product.price;
      mountWidget(product.price);
      pay.disabled = false;
    })
    .catch(function () { showError(TEXT.cart); });

  pay.addEventListener('click', function () {
    // A double click must not create two sessions: one request at a time (and the key above
    // makes the server answer a repeat with the same session anyway).
    if (inFlight) { return; }
    inFlight = true;
    pay.disabled = true;
    showError('');
    fetch('/api/checkout', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey },
      body: JSON.stringify({ items: [{ sku: sku, quantity: 1 }], lang: lang })
    })
      .then(function (r) {
        if (!r.ok) { throw new Error('HTTP ' + r.status); }
        return r.json();
      })
      .then(function (session) {
        remember(session.order_number);
        window.location.assign(hostedUrl(session.checkout_url));
      })
      .catch(function () {
        inFlight = false;
        pay.disabled = false;
        showError(TEXT.pay);
      });
  });

  // Back from the hosted page (bfcache): allow a new attempt; the same key keeps it one order.
  window.addEventListener('pageshow', function (event) {
    if (event.persisted) { inFlight = false; pay.disabled = false; }
  });
})();
