// Return page: the `return` widget shows the order's state from the merchant server; this only
// points the "order details" link at the same order.
(function () {
  'use strict';
  var ref = new URLSearchParams(window.location.search).get('ref');
  var link = document.querySelector('[data-testid="order-link"]');
  if (ref && /^[A-Za-z0-9-]{1,64}$/.test(ref)) {
    link.setAttribute('href', 'order.html?ref=' + encodeURIComponent(ref));
  }
})();
