/*! points-kit widget loader, a drop-in for business.papp.sa/widget-loader.js. Contract and
 * comments: widget/src/lib.rs (crate docs). Reserves each widget's box at once (skeleton), loads
 * one of two bundles from this script's directory when a container nears the viewport or the
 * browser is idle (points_widget: product and checkout types; points_return: the return page),
 * defines <points-widget>. Never throws into the page. */
(function () {
  'use strict';
  var w = window, d = document, script = d.currentScript;
  if (w.PointsWidget && w.PointsWidget.__pointsKit) return w.PointsWidget.__autoInit(script);
  var src = (script && script.src) || '', base = null, handles = [], sheet = null;
  // Each bundle's glue (a classic script declaring `__pointsKitWidget` or `__pointsKitReturn`) and wasm,
  // with their SRI hashes: `cargo xtask dist` rewrites this object to the versioned names.
  var FILES = /*pk-files*/{"widget":{"js":"points_widget.js","wasm":"points_widget_bg.wasm","jsIntegrity":"","wasmIntegrity":""},"return":{"js":"points_return.js","wasm":"points_return_bg.wasm","jsIntegrity":"","wasmIntegrity":""}}/*pk-files*/;
  // Per bundle: the initialised module, the promise of it, or why it cannot be had.
  var bundles = { widget: {}, return: {} };
  try { if (src) base = new URL('.', src).href; } catch (e) { /* reported on init */ }
  var KEYS = ['type', 'lang', 'points', 'price', 'multiplier', 'digits', 'container', 'server',
    'orderParam', 'widgetUrl', 'parentOrigin', 'callbackUrl', 'priceSelector', 'env'];
  // Kept equal to the widget's own sheets (base.css margin, each type's :host min-height).
  var SKELETON = ':host{display:block;box-sizing:border-box;margin:8px 0;min-height:108px}' +
    ':host([data-points-type=points-alert]){min-height:72px}' +
    ':host([data-points-type=installments]){min-height:840px}' +
    ':host([data-points-type=return]){min-height:84px}' +
    '@media (max-width:420px){:host([data-points-type=points-card]){min-height:160px}' +
    ':host([data-points-type=points-alert]){min-height:96px}' +
    ':host([data-points-type=installments]){min-height:1200px}}' +
    '.pk-skeleton{min-height:inherit;border-radius:16px;background:linear-gradient(90deg,' +
    '#f1f1f5 25%,#e7e6f0 50%,#f1f1f5 75%);background-size:200% 100%;' +
    'animation:pk-shimmer 1.4s linear infinite}@keyframes pk-shimmer{to{background-position:-200% 0}}' +
    '@media (prefers-reduced-motion:reduce){.pk-skeleton{animation:none}}';

  function log(code, message) {
    try { w.console.error('[points-widget] ' + code + ': ' + message); } catch (e) { /* none */ }
  }

  function resolve(c) {
    try {
      if (typeof c === 'string') return d.querySelector(c);
      if (c && c.nodeType === 1) return c;
    } catch (e) { /* invalid selector */ }
    return null;
  }

  function fail(container, code, message) {
    log(code, message);
    try {
      var el = resolve(container);
      if (el) el.setAttribute('data-state', 'error');
      (el || d).dispatchEvent(new CustomEvent('points:error',
        { bubbles: true, composed: true, detail: { code: code, message: message } }));
    } catch (e) { /* no CustomEvent */ }
  }

  function reserve(el, o) {
    try {
      for (var i = 0; i < el.children.length; i++) {
        if (el.children[i].classList.contains('pk-host')) return;
      }
      var host = d.createElement('div'), bone = d.createElement('div');
      host.className = 'pk-host';
      host.setAttribute('data-points-type', String(o.type || ''));
      host.setAttribute('dir', /^en(-|$)/i.test(String(o.lang || '')) ? 'ltr' : 'rtl');
      var root = host.attachShadow({ mode: 'open' });
      if (!sheet && w.CSSStyleSheet && 'replaceSync' in CSSStyleSheet.prototype) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(SKELETON);
      }
      if (sheet) root.adoptedStyleSheets = [sheet];
      bone.className = 'pk-skeleton';
      bone.setAttribute('part', 'pk-skeleton');
      bone.setAttribute('aria-hidden', 'true');
      root.appendChild(bone);
      el.appendChild(host);
    } catch (e) { /* no shadow DOM: the wasm makes the box */ }
  }

  function whenNeeded(el, type) {
    return new Promise(function (go) {
      if (!el || type === 'return' || !w.IntersectionObserver) return go();
      var io = new IntersectionObserver(function (entries) {
        for (var i = 0; i < entries.length; i++) if (entries[i].isIntersecting) { io.disconnect(); go(); }
      }, { rootMargin: '300px' });
      io.observe(el);
      (w.requestIdleCallback || function (f) { w.setTimeout(f, 1500); })(function () {
        io.disconnect();
        go();
      }, { timeout: 4000 });
    });
  }

  function bundleOf(type) {
    return String(type || '').trim() === 'return' ? 'return' : 'widget';
  }

  // The globals the glue declares with `let` (so not on window; still shared by classic scripts).
  function glue(b) {
    /* global __pointsKitWidget, __pointsKitReturn */
    if (b === 'return') return typeof __pointsKitReturn === 'undefined' ? null : __pointsKitReturn;
    return typeof __pointsKitWidget === 'undefined' ? null : __pointsKitWidget;
  }

  // A <script> element rather than import(): it can carry the SRI hash.
  function addScript(url, integrity) {
    return new Promise(function (ok, no) {
      var s = d.createElement('script');
      s.src = url;
      s.crossOrigin = 'anonymous';
      if (integrity) s.integrity = integrity;
      s.onload = ok;
      s.onerror = function () { no(new Error(url + ' did not load')); };
      (d.head || d.documentElement).appendChild(s);
    });
  }

  function load(b) {
    var st = bundles[b], f = FILES[b];
    if (!st.loading) {
      // Always this script's directory: widgetUrl is validated by the wasm, never fetched.
      // The wasm is fetched while the glue loads, not after it: one round trip less.
      var wasm = null;
      if (base) {
        var init = { credentials: 'omit' };
        if (f.wasmIntegrity) init.integrity = f.wasmIntegrity;
        wasm = w.fetch(base + f.wasm, init);
        // Its failure is reported through the glue's init below; not as an unhandled rejection.
        wasm.then(null, function () {});
      }
      st.loading = (base ? addScript(base + f.js, f.jsIntegrity).then(function () {
        var mod = glue(b);
        if (!mod) throw new Error(f.js + ' defined no module');
        return mod({ module_or_path: wasm }).then(function () {
          mod.configure(src);
          st.mod = mod;
        });
      }) : Promise.reject(new Error('cannot tell where widget-loader.js came from'))
      ).then(null, function (err) {
        st.broken = ['POINTS_E_FETCH', 'could not load the widget module: ' + (err && err.message)];
      });
    }
    return st.loading.then(function () {
      if (d.readyState === 'loading') {
        return new Promise(function (done) { d.addEventListener('DOMContentLoaded', done, { once: true }); });
      }
    });
  }

  // A throw from a bundle (a browser refusing something) stops that bundle for this page.
  function guarded(container, fn, b) {
    try {
      return fn();
    } catch (err) {
      var why = ['POINTS_E_INTERNAL', 'the widget stopped: ' + (err && err.message)];
      if (b) bundles[b].broken = why;
      fail(container, why[0], why[1]);
      return null;
    }
  }

  function Handle(options) {
    this._options = options;
    this._bundle = bundleOf(options.type);
    this._inner = null;
    this._update = null;
    this._destroyed = false;
  }
  var H = Handle.prototype;

  // Reserves the box, then mounts once this handle's bundle is here.
  H._start = function () {
    var self = this, o = self._options, el = resolve(o.container), st = bundles[self._bundle];
    if (el) {
      el.setAttribute('data-state', 'loading');
      reserve(el, o);
    }
    if (st.mod || st.broken) return self._mount();
    whenNeeded(el, o.type).then(function () { return load(self._bundle); })
      .then(function () { self._mount(); });
  };

  H._mount = function () {
    var self = this, c = self._options.container, queued = self._update, st = bundles[self._bundle];
    if (self._destroyed || self._inner) return;
    if (st.broken) return fail(c, st.broken[0], st.broken[1]);
    self._inner = guarded(c, function () { return st.mod.mount(self._options); }, self._bundle);
    self._update = null;
    if (self._inner && queued) self.update(queued);
  };

  H.update = function (o) {
    var self = this;
    if (self._destroyed || !o) return self;
    self._options = Object.assign({}, self._options, o);
    if (o.type && bundleOf(o.type) !== self._bundle) {
      // The other bundle renders the new type: start again there, inside the same container.
      if (self._inner) guarded(null, function () { self._inner.destroy(); });
      self._inner = null;
      self._update = null;
      self._bundle = bundleOf(o.type);
      self._start();
    } else if (!self._inner) {
      self._update = Object.assign(self._update || {}, o);
    } else {
      guarded(self._options.container, function () { self._inner.update(o); }, self._bundle);
    }
    return self;
  };

  H.destroy = function () {
    var self = this, el = resolve(self._options.container), i = handles.indexOf(self);
    if (self._destroyed) return;
    self._destroyed = true;
    if (self._inner) {
      guarded(el, function () { self._inner.destroy(); }, self._bundle);
    } else if (el) {
      if (el.getAttribute('data-state') === 'loading') el.removeAttribute('data-state');
      var hosts = el.querySelectorAll(':scope > .pk-host');
      for (var j = 0; j < hosts.length; j++) hosts[j].remove();
    }
    if (i >= 0) handles.splice(i, 1);
  };

  Object.defineProperty(H, 'mounted', { get: function () { return !!(this._inner && this._inner.mounted); } });

  function init(o) {
    var handle = new Handle(o || {});
    handles.push(handle);
    handle._start();
    return handle;
  }

  // data-type… on the script tag, type… on <points-widget>.
  function readAttributes(el, prefix) {
    var o = {};
    KEYS.forEach(function (k) {
      var name = prefix + k.replace(/[A-Z]/g, function (c) { return '-' + c.toLowerCase(); });
      if (el.hasAttribute(name)) o[k] = el.getAttribute(name);
    });
    return o;
  }

  function autoInit(tag) {
    if (tag && tag.getAttribute && tag.getAttribute('data-type')) api.init(readAttributes(tag, 'data-'));
  }

  var api = w.PointsWidget = {
    init: function (o) {
      try {
        return init(o);
      } catch (err) {
        fail(o && o.container, 'POINTS_E_INTERNAL', String(err && err.message));
        return new Handle({});
      }
    },
    destroy: function () {
      try {
        handles.slice().forEach(function (h) { h.destroy(); });
        ['widget', 'return'].forEach(function (b) {
          var mod = bundles[b].mod;
          if (mod) guarded(null, function () { mod.destroyAll(); }, b);
        });
      } catch (err) { log('POINTS_E_INTERNAL', String(err && err.message)); }
    },
    __pointsKit: true,
    __autoInit: autoInit,
    // Tests only: an initialised module for the product bundle (and the return bundle, unless a
    // second is given); null for one that never arrives, undefined to load from the network.
    __useModule: function (mod, returnMod) {
      function use(m) { return m === undefined ? {} : { mod: m, loading: m ? null : new Promise(function () {}) }; }
      bundles.widget = use(mod);
      bundles.return = use(arguments.length > 1 ? returnMod : mod);
    }
  };

  try {
    if (w.customElements && !customElements.get('points-widget')) {
      customElements.define('points-widget', class extends HTMLElement {
        static get observedAttributes() { return ['type', 'lang', 'points', 'price', 'multiplier', 'digits']; }

        connectedCallback() {
          if (this._handle) return;
          var o = readAttributes(this, '');
          o.container = this;
          this._handle = api.init(o);
        }

        disconnectedCallback() {
          if (this._handle) this._handle.destroy();
          this._handle = null;
        }

        attributeChangedCallback(name, old, value) {
          var h = this._handle, change = {};
          if (!h || old === value) return;
          if (h._inner && !h._inner.mounted) {
            // It failed (bad input): start again from the corrected attributes.
            this.disconnectedCallback();
            this.connectedCallback();
            return;
          }
          change[name] = value === null ? '' : value;
          h.update(change);
        }
      });
    }
  } catch (e) { log('POINTS_E_INTERNAL', String(e && e.message)); }
  autoInit(script);
})();
