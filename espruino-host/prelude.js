// Evaluated inside each fresh Espruino context (ES5, no host objects), before the program.
// It rebuilds the pieces whose *shape* must belong to the program's realm and behave like
// Espruino rather than V8 (all measured on Espruino 2v29):
//  - every object has on/addListener/prependListener/emit/removeListener/removeAllListeners,
//    and emit() delivers later, from the event queue, not synchronously;
//  - Promise reactions run on the normal event queue (a 0 ms timer runs before them); no
//    finally/race/allSettled/any; an unhandled rejection prints
//    "Uncaught Error: Unhandled promise rejection: <value>";
//  - Object.defineProperty ignores `enumerable: false`;
//  - errors have no `name` property, yet print as "TypeError: msg"; InternalError exists.
// The expression evaluates to a function taking host hooks:
//   queue(fn, args)   run fn(...args) later as its own task (uncaught errors are reported)
//   unhandled(value)  report an unhandled promise rejection
(function (host) {
  var global = Function('return this')();
  var defineHidden = Object.defineProperty;
  var realDefineProperties = Object.defineProperties;
  var hasOwn = Object.prototype.hasOwnProperty;
  var LISTENERS = '__espruinoListeners';

  function hide(target, name, value) {
    defineHidden(target, name, { value: value, enumerable: false, writable: true, configurable: true });
  }

  // --- Object.defineProperty ignores enumerable:false on Espruino ---------------------------
  function enumerableCopy(descriptor) {
    var copy = {};
    for (var k in descriptor) copy[k] = descriptor[k];
    copy.enumerable = true;
    return copy;
  }
  hide(Object, 'defineProperty', function defineProperty(target, key, descriptor) {
    return defineHidden(target, key, enumerableCopy(descriptor));
  });
  hide(Object, 'defineProperties', function defineProperties(target, descriptors) {
    var copies = {};
    for (var k in descriptors) copies[k] = enumerableCopy(descriptors[k]);
    return realDefineProperties(target, copies);
  });

  // --- Events on every object ---------------------------------------------------------------
  function listenersOf(target, event, create) {
    if (!hasOwn.call(target, LISTENERS)) {
      if (!create) return undefined;
      hide(target, LISTENERS, {});
    }
    var all = target[LISTENERS];
    if (!hasOwn.call(all, event)) {
      if (!create) return undefined;
      all[event] = [];
    }
    return all[event];
  }
  hide(Object.prototype, 'on', function on(event, listener) {
    listenersOf(this, String(event), true).push(listener);
  });
  hide(Object.prototype, 'addListener', Object.prototype.on);
  hide(Object.prototype, 'prependListener', function prependListener(event, listener) {
    listenersOf(this, String(event), true).unshift(listener);
  });
  hide(Object.prototype, 'emit', function emit(event) {
    var args = [];
    for (var i = 1; i < arguments.length; i++) args.push(arguments[i]);
    var target = this;
    var name = String(event);
    // Delivery is a separate task, as on Espruino; the listener list is read at delivery.
    host.queue(function () {
      var list = listenersOf(target, name, false);
      if (!list) return;
      var snapshot = list.slice();
      for (var j = 0; j < snapshot.length; j++) host.call(snapshot[j], target, args);
    }, []);
  });
  hide(Object.prototype, 'removeListener', function removeListener(event, listener) {
    var list = listenersOf(this, String(event), false);
    if (!list) return;
    var at = list.indexOf(listener);
    if (at >= 0) list.splice(at, 1);
  });
  hide(Object.prototype, 'removeAllListeners', function removeAllListeners(event) {
    if (!hasOwn.call(this, LISTENERS)) return;
    if (event === undefined) hide(this, LISTENERS, {});
    else delete this[LISTENERS][String(event)];
  });

  // --- Errors: no `name`, Espruino-style toString, InternalError ---------------------------
  var ERROR_NAMES = ['Error', 'TypeError', 'SyntaxError', 'ReferenceError'];
  for (var e = 0; e < ERROR_NAMES.length; e++) {
    var ctor = global[ERROR_NAMES[e]];
    delete ctor.prototype.name;
    hide(ctor.prototype, '__espruinoName', ERROR_NAMES[e]);
  }
  function InternalError(message) {
    if (!(this instanceof InternalError)) return new InternalError(message);
    this.message = message === undefined ? '' : String(message);
  }
  InternalError.prototype = Object.create(Error.prototype);
  hide(InternalError.prototype, 'constructor', InternalError);
  hide(InternalError.prototype, '__espruinoName', 'InternalError');
  hide(InternalError.prototype, 'message', '');
  hide(global, 'InternalError', InternalError);
  hide(Error.prototype, 'toString', function errorToString() {
    var name = this.__espruinoName || 'Error';
    var message = this.message === undefined ? '' : String(this.message);
    return message ? name + ': ' + message : name;
  });

  // --- Promise on the event queue -----------------------------------------------------------
  var PENDING = 0;
  var FULFILLED = 1;
  var REJECTED = 2;
  function isThenable(value) {
    return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof value.then === 'function';
  }
  function EspruinoPromise(executor) {
    if (!(this instanceof EspruinoPromise)) throw new TypeError('Promise must be called with new');
    if (typeof executor !== 'function') throw new TypeError('Executor function required in promise constructor');
    hide(this, '__state', { state: PENDING, value: undefined, reactions: [], handled: false });
    var settled = false;
    var self = this;
    function resolve(value) {
      if (settled) return;
      settled = true;
      resolveWith(self, value);
    }
    function reject(reason) {
      if (settled) return;
      settled = true;
      settle(self, REJECTED, reason);
    }
    try {
      executor(resolve, reject);
    } catch (err) {
      reject(err);
    }
  }
  function resolveWith(promise, value) {
    if (value === promise) return settle(promise, REJECTED, new TypeError('Promise resolved with itself'));
    if (!isThenable(value)) return settle(promise, FULFILLED, value);
    if (value instanceof EspruinoPromise) value.__state.handled = true;
    host.queue(function () {
      var once = false;
      try {
        value.then(
          function (v) {
            if (once) return;
            once = true;
            resolveWith(promise, v);
          },
          function (r) {
            if (once) return;
            once = true;
            settle(promise, REJECTED, r);
          },
        );
      } catch (err) {
        if (!once) {
          once = true;
          settle(promise, REJECTED, err);
        }
      }
    }, []);
  }
  function settle(promise, state, value) {
    var s = promise.__state;
    if (s.state !== PENDING) return;
    s.state = state;
    s.value = value;
    var reactions = s.reactions;
    s.reactions = [];
    for (var i = 0; i < reactions.length; i++) schedule(promise, reactions[i]);
    if (state === REJECTED && !s.handled) {
      // Reported only if nothing attached a handler by the time the queue gets there.
      host.queue(function () {
        if (!s.handled) host.unhandled(value);
      }, []);
    }
  }
  function schedule(promise, reaction) {
    var s = promise.__state;
    host.queue(function () {
      var handler = s.state === FULFILLED ? reaction.onFulfilled : reaction.onRejected;
      if (typeof handler !== 'function') {
        if (s.state === FULFILLED) reaction.resolve(s.value);
        else reaction.reject(s.value);
        return;
      }
      var result;
      try {
        result = handler(s.value);
      } catch (err) {
        reaction.reject(err);
        return;
      }
      reaction.resolve(result);
    }, []);
  }
  hide(EspruinoPromise.prototype, 'then', function then(onFulfilled, onRejected) {
    var s = this.__state;
    var reaction = { onFulfilled: onFulfilled, onRejected: onRejected, resolve: null, reject: null };
    var next = new EspruinoPromise(function (resolve, reject) {
      reaction.resolve = resolve;
      reaction.reject = reject;
    });
    s.handled = true;
    if (s.state === PENDING) s.reactions.push(reaction);
    else schedule(this, reaction);
    return next;
  });
  hide(EspruinoPromise.prototype, 'catch', function (onRejected) {
    return this.then(undefined, onRejected);
  });
  hide(EspruinoPromise, 'resolve', function resolve(value) {
    if (value instanceof EspruinoPromise) return value;
    return new EspruinoPromise(function (r) {
      r(value);
    });
  });
  hide(EspruinoPromise, 'reject', function reject(reason) {
    return new EspruinoPromise(function (_resolve, reject) {
      reject(reason);
    });
  });
  hide(EspruinoPromise, 'all', function all(items) {
    return new EspruinoPromise(function (resolve, reject) {
      var results = [];
      var remaining = items.length;
      if (remaining === 0) return resolve(results);
      for (var i = 0; i < items.length; i++) {
        (function (index) {
          EspruinoPromise.resolve(items[index]).then(function (v) {
            results[index] = v;
            if (--remaining === 0) resolve(results);
          }, reject);
        })(i);
      }
    });
  });
  hide(global, 'Promise', EspruinoPromise);

  // --- Pins are numbers with methods (typeof D2 === 'number', D2 === 2, String(D2) is "2") ---
  var pinMethods = {
    read: function () {
      return host.pin('read', this);
    },
    write: function (v) {
      return host.pin('write', this, v);
    },
    set: function () {
      return host.pin('write', this, 1);
    },
    reset: function () {
      return host.pin('write', this, 0);
    },
    toggle: function () {
      return host.pin('toggle', this);
    },
    mode: function (m) {
      return host.pin('mode', this, m);
    },
    getMode: function () {
      return host.pin('getMode', this);
    },
    getInfo: function () {
      return { port: 'D', num: +this };
    },
  };
  for (var m in pinMethods) hide(Number.prototype, m, pinMethods[m]);
});
