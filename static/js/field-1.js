/* Field pages: record calls and knocks into the outbox at the moment of entry, send them when
   there is a connection, keep the leader's pages on the phone for when there is none. */
(function () {
  "use strict";
  var bar = document.querySelector("[data-outbox]");
  if (!bar || !window.NLOutbox || !window.NLAttempt) return;
  var user = bar.dataset.user;
  var syncUrl = bar.dataset.syncUrl;
  var countText = bar.querySelector("[data-outbox-count]");
  var sendButton = bar.querySelector("[data-outbox-send]");
  var rejectedList = document.querySelector("[data-outbox-rejected]");
  var syncing = false;
  var retryDelay = 5000;
  var retryTimer = null;
  var problem = "";

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // Pages served over plain http on a LAN have no randomUUID: build a version-4 UUID by hand.
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // --- building an attempt from a page form ------------------------------------------------------

  function itemFromForm(form, submitter) {
    var item = NLAttempt.fromForm(new FormData(form, submitter), newUuid());
    if (position && Date.now() - position.at < 5 * 60 * 1000) {
      item.latitude = position.latitude;
      item.longitude = position.longitude;
    }
    return item;
  }

  // --- location, only when the leader has said yes -------------------------------------------------

  var position = null;
  var locationToggle = document.querySelector("[data-share-location]");
  function watchLocation() {
    if (localStorage.getItem("nl-share-location") !== "1" || !navigator.geolocation) return;
    navigator.geolocation.watchPosition(function (p) {
      position = { latitude: p.coords.latitude, longitude: p.coords.longitude, at: Date.now() };
    }, function () {}, { maximumAge: 60000, timeout: 20000 });
  }
  if (locationToggle) {
    locationToggle.checked = localStorage.getItem("nl-share-location") === "1";
    locationToggle.addEventListener("change", function () {
      localStorage.setItem("nl-share-location", locationToggle.checked ? "1" : "0");
      if (locationToggle.checked) watchLocation();
    });
  }
  watchLocation();

  // --- what the screen says ----------------------------------------------------------------------

  function showState(records) {
    var pending = records.pending;
    var waiting = pending.length;
    if (problem && waiting) {
      countText.textContent = waiting + (waiting === 1 ? " attempt waits" : " attempts wait") + " to sync. " + problem;
    } else if (waiting) {
      countText.textContent = waiting + (waiting === 1 ? " attempt waits" : " attempts wait") + " to sync" +
        (navigator.onLine ? "…" : " (no connection: they are safe on this phone).");
    } else {
      countText.textContent = "Everything is synced.";
    }
    bar.dataset.waiting = String(waiting);
    bar.classList.toggle("waiting", waiting > 0);
    sendButton.hidden = waiting === 0;
    pending.forEach(function (record) { markTarget(record.item, "Saved on this phone"); });
    rejectedList.hidden = records.rejected.length === 0;
    rejectedList.textContent = "";
    records.rejected.forEach(function (record) {
      var li = document.createElement("li");
      li.textContent = "Not accepted: " + record.error + " ";
      var dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.textContent = "Dismiss";
      dismiss.addEventListener("click", function () { NLOutbox.remove([record.uuid]).then(refresh); });
      li.appendChild(dismiss);
      rejectedList.appendChild(li);
    });
  }

  function markTarget(item, text) {
    var key = item.household ? "household:" + item.household : "voter:" + item.voter;
    document.querySelectorAll('[data-target="' + key + '"]').forEach(function (row) {
      row.classList.add("done");
      var state = row.querySelector("[data-state]");
      if (state) state.textContent = text;
    });
  }

  function refresh() {
    return Promise.all([NLOutbox.pending(user), NLOutbox.rejected(user)]).then(function (lists) {
      showState({ pending: lists[0], rejected: lists[1] });
      return lists[0];
    });
  }

  // --- sending -----------------------------------------------------------------------------------

  function later() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(sync, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 60000);
  }

  function sync() {
    if (syncing) return Promise.resolve();
    syncing = true;
    clearTimeout(retryTimer);
    return NLOutbox.send(user, syncUrl, refresh).then(function () {
      retryDelay = 5000;
      problem = "";
    }, function (error) {
      // Without a connection the line says so itself; any other problem is spelled out.
      problem = error.offline ? "" : error.message;
      later();
    }).then(function () {
      syncing = false;
      return refresh();
    });
  }

  // --- recording ---------------------------------------------------------------------------------

  document.querySelectorAll("form[data-record]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var item = itemFromForm(form, event.submitter);
      NLOutbox.add(user, item).then(function () {
        markTarget(item, "Saved on this phone");
        var saved = form.querySelector("[data-saved]");
        if (saved) saved.hidden = false;
        form.reset();
        return refresh();
      }).then(function () {
        sync();
        if (form.dataset.next) window.location.assign(form.dataset.next);
      }).catch(function (error) {
        window.alert("This phone could not save it: " + error);
      });
    });
  });

  sendButton.addEventListener("click", function () { retryDelay = 5000; sync(); });
  window.addEventListener("online", function () { retryDelay = 5000; sync(); });
  window.addEventListener("offline", refresh);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) sync(); });

  // --- is the phone ready without signal? (the home screen) ----------------------------------------

  var readiness = document.querySelector("[data-readiness]");
  var offlinePages = document.getElementById("offline-pages");
  var keepProblem = "";

  function keptOf(paths) {
    return Promise.all(paths.map(function (path) {
      return caches.match(new URL(path, location.origin).href, { ignoreVary: true }).then(Boolean);
    })).then(function (found) { return found.filter(Boolean).length; });
  }

  // {kept, total} of a part's screens, and whether its list pages are kept too.
  function countPart(part) {
    return Promise.all([keptOf(part.lists), keptOf(part.screens)]).then(function (counts) {
      return { lists: counts[0] === part.lists.length, kept: counts[1], total: part.screens.length };
    });
  }

  function showReadiness() {
    if (!readiness || !offlinePages) return Promise.resolve();
    var line = readiness.querySelector("[data-readiness-line]");
    var progress = readiness.querySelector("[data-readiness-progress]");
    var more = readiness.querySelector("[data-readiness-more]");
    if (!window.caches || !navigator.serviceWorker) {
      line.textContent = "This phone's browser cannot save your lists for use without signal: take your paper walk sheet.";
      return Promise.resolve();
    }
    var pages = JSON.parse(offlinePages.textContent);
    return Promise.all([countPart(pages.doors), countPart(pages.calls)]).then(function (counts) {
      // The doors lead (a leader walks out with them); a list of calls only, when there are no doors.
      var first = counts[0].total ? { count: counts[0], name: "the doors", unit: "doors" } : { count: counts[1], name: "your calls", unit: "calls" };
      var second = counts[0].total && counts[1].total ? counts[1] : null;
      var c = first.count;
      var ready = c.lists && c.kept === c.total;
      var saved = c.kept + " of " + c.total + " saved on this phone";
      if (ready) line.textContent = "Ready for " + first.name + ": " + saved + ".";
      else if (!navigator.onLine || keepProblem) line.textContent = "Not ready for " + first.name + ": " + saved + ". " +
        (keepProblem || "No signal: the rest are saved when you have signal again.");
      else line.textContent = "Not ready for " + first.name + " yet: " + saved + ". Stay where you have signal until this says Ready.";
      readiness.classList.toggle("ready", ready);
      readiness.dataset.ready = ready ? "1" : "0";
      progress.hidden = ready;
      progress.max = c.total;
      progress.value = c.kept;
      progress.textContent = saved;
      more.hidden = !second;
      if (second) more.textContent = "Calls: " + second.kept + " of " + second.total + " saved" + (second.kept === second.total && second.lists ? "." : " so far.");
    });
  }

  // --- keeping pages for offline -----------------------------------------------------------------

  function keepPages() {
    if (!navigator.serviceWorker || !navigator.onLine) return;
    navigator.serviceWorker.register(bar.dataset.swUrl, { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var urls = [location.pathname + location.search];
      document.querySelectorAll("a[data-offline]").forEach(function (a) {
        if (a.origin === location.origin) urls.push(a.pathname + a.search);
      });
      var channel = new MessageChannel();
      // The worker says so after each bundle it kept, and once at the end.
      channel.port1.onmessage = function (event) {
        if (event.data.done && event.data.ok) document.documentElement.dataset.offlineReady = "1";
        keepProblem = event.data.ok === false && event.data.done ? "The connection went before the rest were saved." : "";
        showReadiness();
      };
      registration.active.postMessage({ type: "keep", urls: urls }, [channel.port2]);
    }).catch(function () {});
  }

  // For pages that queue records of their own (door-1.js).
  window.NLField = { sync: sync, newUuid: newUuid };

  window.addEventListener("online", function () { keepProblem = ""; showReadiness(); keepPages(); });
  window.addEventListener("offline", showReadiness);
  showReadiness();
  refresh().then(sync);
  // After session-1.js has forgotten another account's kept pages, never before.
  (window.NLSession ? NLSession.ready : Promise.resolve()).then(keepPages);
})();
