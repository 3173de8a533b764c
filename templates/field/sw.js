/* The field app's service worker: keeps the app shell and the leader's pages on the phone.
   Rendered by field.views.service_worker, which fills in the asset URLs and the version. */
"use strict";
// The outbox and the reading of a form, shared with the pages: a knock sent with no signal before
// its page's scripts had loaded goes into the same outbox, never lost.
importScripts(...{{ outbox_scripts|safe }});
const RECORD_URL = "{{ record_url }}";
const VERSION = "{{ version }}";
const ASSETS = {{ assets|safe }};
// Assets only the pages kept last need (the turf map): fetched after the lists, never before them.
const LATER_ASSETS = {{ later_assets|safe }};
// The pages a leader keeps, in parts of one compressed request each: the doors first, then the calls, then the rest.
const BUNDLES = {{ bundles|safe }};
// Where a page that was not kept sends the leader instead: home and the two lists.
const LISTS = {{ lists|safe }};
const STYLESHEET = "{{ stylesheet }}";
const STATIC_CACHE = "nl-static-" + VERSION;
const PAGE_CACHE = "nl-pages-" + VERSION;
// Rural connections hang rather than fail: after this long a kept page is shown instead.
const NETWORK_TIMEOUT_MS = 4000;
// A kept page younger than this is not fetched again when a list page asks to keep it.
const FRESH_MS = 10 * 60 * 1000;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(STATIC_CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n !== STATIC_CACHE && n !== PAGE_CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

function keepable(response) {
  // Only pages the server marked as a leader's own, never a login page a redirect led to.
  return response.ok && !response.redirected && response.headers.get("X-Offline-Page") === "1";
}

async function keep(url, response) {
  const cache = await caches.open(PAGE_CACHE);
  await cache.put(url, response);
}

async function networkFirst(request) {
  const url = new URL(request.url);
  url.hash = "";
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error("timeout")), NETWORK_TIMEOUT_MS); });
  const network = fetch(request).then((response) => {
    if (keepable(response)) keep(url.href, response.clone());
    return response;
  });
  try {
    return await Promise.race([network, timeout]);
  } catch (error) {
    const kept = await caches.match(url.href, { cacheName: PAGE_CACHE, ignoreVary: true });
    if (kept) return kept;
    // Nothing kept: wait for the slow network after all, or say plainly that the page is missing.
    try {
      return await network;
    } catch (_) {
      return missing(url);
    }
  } finally {
    clearTimeout(timer);
  }
}

function page(status, title, body) {
  return new Response(
    "<!DOCTYPE html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width, initial-scale=1'>" +
    "<link rel=stylesheet href='" + STYLESHEET + "'><title>" + title + " · Neighborhood Leader</title>" +
    "<main id=main class=field><h1>" + title + "</h1>" + body + "</main>",
    { status, headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" } }
  );
}

const SAFE = "<p>Everything you logged is safe on this phone and is sent when you have signal again.</p>";

function links(pairs) {
  return "<ul>" + pairs.map(([href, label]) => "<li><a href='" + href + "'>" + label + "</a></li>").join("") + "</ul>";
}

// A page the phone never kept, with no signal to fetch it: say which, and offer what the phone has.
function missing(url) {
  const path = url.pathname;
  let what = "This page";
  if (path.startsWith(LISTS.doors) && path !== LISTS.doors) what = "The screen for this door";
  else if (path.startsWith(LISTS.calls) && path !== LISTS.calls) what = "The screen for this call";
  return page(503, "Not saved on this phone",
    "<p>" + what + " was not saved on this phone before the signal went, so it cannot open until you have " +
    "signal again. Your lists open without signal once your home screen says \u201cReady for the doors\u201d.</p>" +
    SAFE + links([[LISTS.doors, "My doors"], [LISTS.calls, "My calls"], [LISTS.home, "Home"]]));
}

async function cacheFirst(request) {
  const kept = await caches.match(request, { ignoreVary: true });
  return kept || fetch(request);
}

// Bumped whenever the person on this phone may change: a keep still running for the last one stops.
let generation = 0;

async function forgetPages() {
  generation += 1;
  await caches.delete(PAGE_CACHE);
}

// A form sent from a page (signing in, a setting). Without signal it says plainly that nothing was
// sent, instead of the browser's error: on a page opened from the phone, forms are read-only.
async function post(request, url) {
  const signing = url.pathname.startsWith("/accounts/");
  if (signing) generation += 1;
  const form = url.pathname === RECORD_URL ? await request.clone().formData() : null;
  let response;
  try {
    response = await fetch(request);
  } catch (_) {
    if (form) return keepInOutbox(form);
    return page(503, "Not sent: no signal",
      "<p>Nothing was sent and nothing was changed. Go back and send it again when you have signal.</p>" +
      SAFE + links([[LISTS.home, "Home"]]));
  }
  // Signing in or out may change who holds this phone: forget the last person's pages.
  if (signing) await forgetPages();
  return response;
}

// A call or knock sent by the page's own form (its scripts had not loaded yet) with no signal: the
// outbox keeps it under the form's UUID, as if the page had, and the leader moves on as usual.
async function keepInOutbox(form) {
  const next = String(form.get("next") || "");
  try {
    await NLOutbox.add(form.get("outbox_user"), NLAttempt.fromForm(form, form.get("uuid")));
  } catch (error) {
    // The same form sent twice is kept once; anything else is said, not swallowed.
    if (!error || error.name !== "ConstraintError") {
      return page(503, "Not saved", "<p>This phone could not save it: " + error + ". Go back and try again.</p>");
    }
  }
  const target = next.startsWith("/") && !next.startsWith("//") ? next : LISTS.home;
  return Response.redirect(new URL(target, self.location.origin).href, 303);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && request.mode === "navigate") {
    event.respondWith(post(request, url));
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(request));
  }
});

const MAX_PAGES = 300;

async function fresh(cache, url) {
  const old = await cache.match(url, { ignoreVary: true });
  const date = old && Date.parse(old.headers.get("Date") || "");
  return Boolean(date) && Date.now() - date < FRESH_MS;
}

// Unpack one bundle ({"pages": {path: html}, "aliases": {path: path}}) into the page cache. Resolves
// false when the server would not give it (signed out, not a leader); rejects without a connection.
async function keepBundle(url) {
  const started = generation;
  let cache = await caches.open(PAGE_CACHE);
  if (await fresh(cache, url)) return true;
  const response = await fetch(url, { credentials: "same-origin" });
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok || response.redirected || !type.startsWith("application/json")) return false;
  const body = await response.json();
  if (generation !== started) return false;  // someone signed in or out meanwhile
  const headers = { "Content-Type": "text/html; charset=utf-8", "X-Offline-Page": "1",
                    Date: response.headers.get("Date") || new Date().toUTCString() };
  // Every page of the bundle was drawn for this response: its policy carries their scripts' nonce.
  const policy = response.headers.get("Content-Security-Policy");
  if (policy) headers["Content-Security-Policy"] = policy;
  cache = await caches.open(PAGE_CACHE);
  const put = (path, html) => cache.put(new URL(path, self.location.origin).href, new Response(html, { headers }));
  await Promise.all([
    ...Object.entries(body.pages).map(([path, html]) => put(path, html)),
    ...Object.entries(body.aliases).map(([path, target]) => put(path, body.pages[target])),
  ]);
  // Last: the bundle's own entry says when all of its pages were saved.
  await cache.put(url, new Response("", { headers: { Date: headers.Date } }));
  return true;
}

// A bundle being fetched is shared by every page that asks meanwhile, not fetched again.
const keeping = new Map();

function keepOnce(url) {
  if (!keeping.has(url)) keeping.set(url, keepBundle(url).finally(() => keeping.delete(url)));
  return keeping.get(url);
}

// The pages a page links to for offline use (<a href="..." data-offline>) that no bundle carried.
async function keepEach(urls) {
  const started = generation;
  const cache = await caches.open(PAGE_CACHE);
  for (const path of urls) {
    const url = new URL(path, self.location.origin).href;
    if (await fresh(cache, url)) continue;
    const response = await fetch(url, { credentials: "same-origin" });
    if (keepable(response) && generation === started) await cache.put(url, response);
  }
}

// Keep the bundles in order, telling the page after each, then the rest. `port` hears
// {bundle, ok} per bundle and {done, ok} at the end; ok is false once the connection went.
async function keepAll(urls, port) {
  const tell = (message) => { if (port) port.postMessage(message); };
  try {
    for (const url of BUNDLES) tell({ bundle: url, ok: await keepOnce(url) });
    const assets = await caches.open(STATIC_CACHE);
    for (const url of LATER_ASSETS) if (!(await assets.match(url))) await assets.add(url);
    await keepEach(urls);
  } catch (_) {
    tell({ done: true, ok: false });  // the connection went: keep what we have
    return;
  }
  tell({ done: true, ok: true });
}

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "keep" && Array.isArray(event.data.urls)) {
    const urls = event.data.urls.filter((u) => typeof u === "string" && u.startsWith("/")).slice(0, MAX_PAGES);
    event.waitUntil(keepAll(urls, event.ports[0]));
  }
});
