// Checkout page: shows the cart line from the catalogue and asks the merchant server for a
// Points checkout session. The server prices the cart itself; nothing here is trusted.
(function () {
  'use strict';
  var params = new URLSearchParams(window.location.search);
  var sku = params.get('sku') || 'oud-50';
  var lang = document.documentElement.lang === 'en' ? 'en' : 'ar';
  var pay = document.querySelector('[data-testid="pay"]');
  var errorBox = document.querySelector('[data-testid="checkout-error"]');
  var inFlight = false;
  // One key per page load: a retried or double-clicked payment reuses the same order and the
  // same Points session on the server (it answers 409 if the key comes back with another cart).
  var idempotencyKey = (window.crypto && window.crypto.randomUUID)
    ? window.crypto.randomUUID()
    : String(Date.now()) + '-' + String(Math.random()).slice(2);

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = false;
  }

  fetch('/catalog.json')
    .then(function (r) { return r.json(); })
    .then(function (catalog) {
      var product = catalog.products.filter(function (p) { return p.sku === sku; })[0];
      if (!product) { showError('المنتج غير موجود'); return; }
      document.querySelector('[data-testid="cart-name"]').textContent = product.name[lang];
      document.querySelector('[data-testid="cart-total"]').textContent = product.price;
      pay.disabled = false;
    })
    .catch(function () { showError('تعذّر تحميل السلة'); });

  pay.addEventListener('click', function () {
    // A double click must not create two sessions: one request at a time.
    if (inFlight) { return; }
    inFlight = true;
    pay.disabled = true;
    fetch('/api/checkout', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey },
      body: JSON.stringify({ items: [{ sku: sku, quantity: 1 }], lang: lang })
    })
      .then(function (r) {
        if (!r.ok) { throw new Error('HTTP ' + r.status); }
        return r.json();
      })
      .then(function (session) { window.location.assign(session.checkout_url); })
      .catch(function () {
        inFlight = false;
        pay.disabled = false;
        showError('تعذّر بدء الدفع، حاول مرة أخرى');
      });
  });
})();
