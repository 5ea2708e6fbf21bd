// Shared by every storefront page: remembers the shopper's language, so the return page the
// hosted checkout sends them back to (always /return.html) can show theirs, and keeps the query
// string (product variant, order reference) when they switch language.
(function () {
  'use strict';
  var KEY = 'points-kit:lang';
  var lang = document.documentElement.lang === 'en' ? 'en' : 'ar';
  function remember(value) {
    try { window.localStorage.setItem(KEY, value); } catch (e) { /* private mode: no memory */ }
  }
  remember(lang);
  var links = document.querySelectorAll('[data-switch-lang]');
  for (var i = 0; i < links.length; i++) {
    var link = links[i];
    if (link.hasAttribute('data-keep-query') && window.location.search) {
      link.setAttribute('href', link.getAttribute('href') + window.location.search);
    }
    link.addEventListener('click', function (event) {
      remember(event.currentTarget.getAttribute('data-switch-lang'));
    });
  }
})();
