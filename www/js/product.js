// Product page: choosing a variant updates the price in place; the points widget follows the
// price element by itself (data-price-selector). Prices shown here are the catalogue's, but the
// merchant server prices the order from its own catalogue: nothing here is trusted.
(function () {
  'use strict';
  var price = document.querySelector('[data-testid="price"] bdi');
  var buy = document.querySelector('[data-testid="buy"]');
  var radios = document.querySelectorAll('input[name="sku"]');

  function show(radio) {
    price.textContent = radio.getAttribute('data-price');
    buy.setAttribute('href', 'checkout.html?sku=' + encodeURIComponent(radio.value));
  }

  var wanted = new URLSearchParams(window.location.search).get('sku');
  for (var i = 0; i < radios.length; i++) {
    if (wanted && radios[i].value === wanted) { radios[i].checked = true; }
    radios[i].addEventListener('change', function (event) {
      if (event.currentTarget.checked) { show(event.currentTarget); }
    });
  }
  // Also after a reload or a back navigation, where the browser restores the choice.
  var checked = document.querySelector('input[name="sku"]:checked');
  if (checked) { show(checked); }
})();
