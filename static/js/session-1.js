/* Who holds this phone. Phones are shared (a family's, the county office's), so the pages kept
   for offline use belong to one account and go when another one (or nobody) is signed in, and
   signing out with notes not sent yet says so. Loaded on every page, signed in or not. */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="nl-user"]');
  if (!meta) return;
  var user = meta.content;
  var signOutPath = meta.dataset.signOut;
  var OWNER = "nl-owner";

  function readOwner() {
    try { return localStorage.getItem(OWNER); } catch (_) { return null; }
  }

  function writeOwner(value) {
    try { localStorage.setItem(OWNER, value); } catch (_) { /* private mode: nothing to remember */ }
  }

  // The service worker keeps pages in caches named nl-pages-<version>: forget every version's.
  function forgetPages() {
    if (!window.caches) return Promise.resolve();
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name.indexOf("nl-pages-") === 0; })
        .map(function (name) { return caches.delete(name); }));
    }).catch(function () {});
  }

  // Another account than the last one on this phone, or nobody: the last one's pages go before
  // this page asks the worker to keep its own (field-1.js waits for `ready`).
  var ready = readOwner() === user ? Promise.resolve() : forgetPages().then(function () { writeOwner(user); });
  window.NLSession = { user: user, ready: ready };

  // --- signing out -------------------------------------------------------------------------------

  var warning = document.querySelector("[data-sign-out-warning]");
  if (!user || !warning || !signOutPath) return;
  var syncUrl = warning.dataset.syncUrl;
  var count = warning.querySelector("[data-sign-out-count]");
  var problem = warning.querySelector("[data-sign-out-problem]");
  var choices = warning.querySelector("[data-sign-out-choices]");
  var confirmDelete = warning.querySelector("[data-sign-out-confirm]");
  var form = null;

  function pendingCount() {
    if (!window.NLOutbox) return Promise.resolve(0);
    return NLOutbox.pending(user).then(function (records) { return records.length; }, function () { return 0; });
  }

  function leave() {
    forgetPages().then(function () {
      writeOwner("");
      form.submit();
    });
  }

  function busy(on) {
    warning.querySelectorAll("button").forEach(function (button) { button.disabled = on; });
  }

  function show(n) {
    count.textContent = n + (n === 1 ? " note" : " notes") + " not sent yet";
    problem.hidden = true;
    choices.hidden = false;
    confirmDelete.hidden = true;
    warning.hidden = false;
    var menu = document.querySelector("details.menu");
    if (menu) menu.open = false;
    warning.scrollIntoView();
    warning.querySelector("[data-sign-out-send]").focus();
  }

  document.addEventListener("submit", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLFormElement)) return;
    if (new URL(target.action, location.href).pathname !== signOutPath) return;
    event.preventDefault();
    form = target;
    pendingCount().then(function (n) { if (n) show(n); else leave(); });
  }, true);

  function on(name, handler) {
    warning.querySelector("[data-sign-out-" + name + "]").addEventListener("click", handler);
  }

  on("send", function () {
    busy(true);
    NLOutbox.send(user, syncUrl).then(pendingCount).then(function (n) {
      if (!n) return leave();
      busy(false);
      show(n);
    }, function (error) {
      busy(false);
      return pendingCount().then(function (n) {
        show(n);
        problem.textContent = "Not sent: " + error.message;
        problem.hidden = false;
      });
    });
  });
  // Kept: a volunteer's calls and knocks are real work; they wait here, shown and sent to nobody
  // else, and go out the next time this account signs in on this phone.
  on("keep", leave);
  on("delete", function () { choices.hidden = true; confirmDelete.hidden = false; });
  on("back", function () { confirmDelete.hidden = true; choices.hidden = false; });
  on("discard", function () {
    busy(true);
    NLOutbox.discard(user).then(leave, function () { busy(false); });
  });
  on("cancel", function () { warning.hidden = true; });
})();
