/* The field app's outbox: every call and knock is kept in IndexedDB, on the phone, until the
   server has echoed its UUID. Every record belongs to the account that entered it: a phone is
   often shared, so another account never reads, shows or sends it (the server refuses a batch
   sent for someone else, too). field-1.js records and shows; send() is shared with sign-out. */
(function () {
  "use strict";
  var DB_NAME = "nl-field";
  var STORE = "outbox";
  var opening = null;

  function open() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          var store = request.result.createObjectStore(STORE, { keyPath: "uuid" });
          store.createIndex("user", "user");
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { opening = null; reject(request.error); };
      });
    }
    return opening;
  }

  // Run fn(store) in one transaction; resolve with its value once the transaction has committed,
  // so a caller never counts on a write the phone has not kept.
  function inStore(mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var value;
        tx.oncomplete = function () { resolve(value); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
        fn(tx.objectStore(STORE), function (v) { value = v; });
      });
    });
  }

  function allOf(user) {
    return inStore("readonly", function (store, done) {
      var request = store.index("user").getAll(String(user));
      request.onsuccess = function () {
        done(request.result.sort(function (a, b) { return a.created - b.created; }));
      };
    });
  }

  var BATCH = 20;

  function csrfToken() {
    // The cookie is always current; a page kept offline may carry a token from before a sign-in.
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // Send one batch; resolve once what the server kept is dropped and what it refused is marked.
  function sendBatch(user, url, records) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ user: Number(user), attempts: records.map(function (r) { return r.item; }) }),
    }).then(function (response) {
      if (response.status === 409) throw new Error("Someone else is signed in on this phone: sign in as yourself to send them.");
      if (response.status === 401 || response.status === 403) throw new Error("Sign in again to send them.");
      if (!response.ok) throw new Error("The server could not take them yet; trying again soon.");
      return response.json();
    }, function () {
      var offline = new Error("No connection: they are safe on this phone.");
      offline.offline = true;
      throw offline;
    }).then(function (body) {
      var done = [];
      var rejections = [];
      body.results.forEach(function (result) {
        if (result.status === "created" || result.status === "duplicate") done.push(result.uuid);
        else if (result.status === "rejected") rejections.push(NLOutbox.reject(result.uuid, result.error));
      });
      if (done.length + rejections.length === 0) throw new Error("The server did not answer for them; trying again soon.");
      return Promise.all(rejections).then(function () { return NLOutbox.remove(done); });
    });
  }

  // `self`: the page's window, or the service worker, which keeps a form sent with no signal here too.
  self.NLOutbox = {
    // url (optional): the endpoint that takes this record, when it is not the one send() is given
    // (the door page's check-ins go to their own sync API).
    add: function (user, item, url) {
      var record = { uuid: item.uuid, user: String(user), item: item, url: url || "", state: "pending", error: "", created: Date.now() };
      return inStore("readwrite", function (store) { store.add(record); }).then(function () { return record; });
    },
    pending: function (user) {
      return allOf(user).then(function (records) {
        return records.filter(function (r) { return r.state === "pending"; });
      });
    },
    rejected: function (user) {
      return allOf(user).then(function (records) {
        return records.filter(function (r) { return r.state === "rejected"; });
      });
    },
    // Drop what the server has kept (created, or a duplicate of what it kept before).
    remove: function (uuids) {
      return inStore("readwrite", function (store) {
        uuids.forEach(function (uuid) { store.delete(uuid); });
      });
    },
    // Send everything the user has waiting, a batch at a time; resolve once none waits, or fail
    // with a sentence for the leader. afterBatch (optional) runs after each batch is settled.
    send: function (user, url, afterBatch) {
      function next() {
        return NLOutbox.pending(user).then(function (pending) {
          if (!pending.length) return;
          var target = pending[0].url || url;
          var batch = pending.filter(function (r) { return (r.url || url) === target; }).slice(0, BATCH);
          return sendBatch(user, target, batch)
            .then(function () { return afterBatch && afterBatch(); })
            .then(next);
        });
      }
      return next();
    },
    // Delete everything one user has on this phone, sent or not: only after they said so.
    discard: function (user) {
      return allOf(user).then(function (records) {
        return NLOutbox.remove(records.map(function (r) { return r.uuid; }));
      });
    },
    // Keep what the server refused, with its reason, for the leader to read: never lose it silently.
    reject: function (uuid, error) {
      return inStore("readwrite", function (store) {
        var request = store.get(uuid);
        request.onsuccess = function () {
          if (request.result) {
            request.result.state = "rejected";
            request.result.error = error;
            store.put(request.result);
          }
        };
      });
    },
  };
})();
