// In the <head> of the Arabic pages a shopper can land on from outside (the return page Points
// redirects to, the order page): if they were shopping in English, show the English page. Runs
// before the body is parsed, so nothing is painted twice; `replace` adds no history entry.
(function () {
  'use strict';
  try {
    if (window.localStorage.getItem('points-kit:lang') === 'en') {
      var l = window.location;
      l.replace('/en' + l.pathname + l.search + l.hash);
    }
  } catch (e) { /* no storage: stay in Arabic, the default */ }
})();
