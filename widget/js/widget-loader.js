/*! points-kit widget loader: a drop-in for https://business.papp.sa/widget-loader.js.
 *
 * <script src=".../widget-loader.js" data-type="points-card" data-lang="ar" data-points="300"
 *         data-container="#product-widget"></script>
 * or PointsWidget.init({ type: 'points-card', lang: 'ar', points: 300, container: '#product-widget' }).
 *
 * Loads points_widget.js + points_widget_bg.wasm (wasm-bindgen --target web) from this script's
 * own directory on the first init. Calls made before they are ready are queued. Never throws into
 * the page: failures become one console line, a `points:error` event (detail.code) and
 * data-state="error" on the container. No eval, no inline styles.
 */
(function () {
  'use strict';

  var w = window;
  var d = document;
  var script = d.currentScript;

  // Loaded twice (two script tags): keep the first API and only auto-init this tag.
  if (w.PointsWidget && w.PointsWidget.__pointsKit) {
    w.PointsWidget.__autoInit(script);
    return;
  }

  var base = null; // directory of this script, e.g. "https://shop.example/points/"
  try {
    if (script && script.src) base = new URL('.', script.src).href;
  } catch (e) { /* reported on first init */ }

  var wasm = null; // the wasm-bindgen module once initialised
  var loading = null; // Promise while loading
  var broken = null; // [code, message] once loading failed or the module trapped
  var handles = []; // every Handle from init(), for PointsWidget.destroy()

  function log(code, message) {
    try {
      w.console.error('[points-widget] ' + code + ': ' + message);
    } catch (e) { /* no console */ }
  }

  function resolve(container) {
    try {
      if (typeof container === 'string') return d.querySelector(container);
      if (container && container.nodeType === 1) return container;
    } catch (e) { /* invalid selector */ }
    return null;
  }

  // The same shape the wasm side reports: one line, data-state, a bubbling event.
  function fail(container, code, message) {
    log(code, message);
    try {
      var el = resolve(container);
      if (el) el.setAttribute('data-state', 'error');
      (el || d).dispatchEvent(new CustomEvent('points:error', {
        bubbles: true,
        detail: { code: code, message: message }
      }));
    } catch (e) { /* old browser without CustomEvent */ }
  }

  function load(widgetUrl) {
    if (loading) return loading;
    var from = base;
    if (widgetUrl) from = String(widgetUrl).replace(/\/*$/, '/');
    if (!from) {
      loading = Promise.reject(new Error('cannot tell where widget-loader.js was loaded from'));
    } else {
      loading = import(from + 'points_widget.js').then(function (mod) {
        return mod.default({ module_or_path: from + 'points_widget_bg.wasm' }).then(function () {
          wasm = mod;
        });
      });
    }
    loading = loading.then(null, function (err) {
      broken = ['POINTS_E_FETCH', 'could not load the widget module: ' + (err && err.message)];
    });
    // The container may come later in the document than the script tag.
    return loading.then(function () {
      if (d.readyState !== 'loading') return;
      return new Promise(function (done) {
        d.addEventListener('DOMContentLoaded', done, { once: true });
      });
    });
  }

  // Calls into wasm; a trap (a bug) must not escape into the page either.
  function guarded(container, fn) {
    try {
      return fn();
    } catch (err) {
      broken = ['POINTS_E_INTERNAL', 'the widget stopped: ' + (err && err.message)];
      fail(container, broken[0], broken[1]);
      return null;
    }
  }

  /** What init() returns: update({points|price}) and destroy(), usable before the wasm is ready. */
  function Handle(options) {
    this._options = options;
    this._inner = null; // wasm Handle
    this._update = null; // latest update() made before mounting
    this._destroyed = false;
  }

  Handle.prototype._mount = function () {
    var self = this;
    if (self._destroyed) return;
    var container = self._options.container;
    if (broken) return fail(container, broken[0], broken[1]);
    self._inner = guarded(container, function () { return wasm.mount(self._options); });
    if (self._inner && self._update) self.update(self._update);
    self._update = null;
  };

  Handle.prototype.update = function (options) {
    var self = this;
    if (self._destroyed || !options) return self;
    if (!self._inner) {
      self._update = options;
      return self;
    }
    guarded(self._options.container, function () { self._inner.update(options); });
    return self;
  };

  Handle.prototype.destroy = function () {
    var self = this;
    if (self._destroyed) return;
    self._destroyed = true;
    if (self._inner) {
      guarded(self._options.container, function () { self._inner.destroy(); });
    } else {
      // Destroyed before it mounted: undo the data-state="loading" init() set.
      var el = resolve(self._options.container);
      if (el && el.getAttribute('data-state') === 'loading') el.removeAttribute('data-state');
    }
    var i = handles.indexOf(self);
    if (i >= 0) handles.splice(i, 1);
  };

  function init(options) {
    options = options || {};
    var handle = new Handle(options);
    handles.push(handle);
    var el = resolve(options.container);
    if (el) el.setAttribute('data-state', 'loading');
    if (wasm || broken) {
      handle._mount();
    } else {
      load(options.widgetUrl).then(function () { handle._mount(); });
    }
    return handle;
  }

  function destroy() {
    var all = handles.slice();
    for (var i = 0; i < all.length; i++) all[i].destroy();
    if (wasm) guarded(null, function () { wasm.destroyAll(); });
  }

  // data-type, data-lang, data-points, data-container (official) + data-price,
  // data-multiplier, data-server, data-order-param, data-widget-url (ours).
  function autoInit(tag) {
    if (!tag || !tag.getAttribute || !tag.getAttribute('data-type')) return;
    var names = {
      type: 'data-type', lang: 'data-lang', points: 'data-points', container: 'data-container',
      price: 'data-price', multiplier: 'data-multiplier', server: 'data-server',
      orderParam: 'data-order-param', widgetUrl: 'data-widget-url'
    };
    var options = {};
    for (var key in names) {
      if (Object.prototype.hasOwnProperty.call(names, key) && tag.hasAttribute(names[key])) {
        options[key] = tag.getAttribute(names[key]);
      }
    }
    try {
      init(options);
    } catch (err) {
      fail(options.container, 'POINTS_E_INTERNAL', String(err && err.message));
    }
  }

  w.PointsWidget = {
    init: function (options) {
      try {
        return init(options);
      } catch (err) {
        fail(options && options.container, 'POINTS_E_INTERNAL', String(err && err.message));
        return new Handle({});
      }
    },
    destroy: function () {
      try { destroy(); } catch (err) { log('POINTS_E_INTERNAL', String(err && err.message)); }
    },
    __pointsKit: true,
    __autoInit: autoInit
  };

  autoInit(script);
})();
