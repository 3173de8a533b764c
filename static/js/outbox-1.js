/* The field app's outbox: every call and knock is kept in IndexedDB, on the phone, until the
   server has echoed its UUID. Nothing here talks to the network; field-1.js does the sending. */
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

  window.NLOutbox = {
    add: function (user, item) {
      var record = { uuid: item.uuid, user: String(user), item: item, state: "pending", error: "", created: Date.now() };
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
