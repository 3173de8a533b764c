/* The field app's service worker: keeps the app shell and the leader's pages on the phone.
   Rendered by field.views.service_worker, which fills in the asset URLs and the version. */
"use strict";
const VERSION = "{{ version }}";
const ASSETS = {{ assets|safe }};
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
      return new Response(
        "<!DOCTYPE html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
        "<title>Offline</title><h1>No connection</h1><p>This page was not kept on this phone. " +
        "Go back: your lists and everything you logged are still here.</p>",
        { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
      );
    }
  } finally {
    clearTimeout(timer);
  }
}

async function cacheFirst(request) {
  const kept = await caches.match(request, { ignoreVary: true });
  return kept || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname.startsWith("/accounts/")) {
    // Signing in or out may change who holds this phone: forget the last person's pages.
    event.waitUntil(caches.delete(PAGE_CACHE));
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(request));
  }
});

// Links a kept page offers for offline use (<a href="..." data-offline>): the home screen leads to
// the lists, the lists to every call and knock screen, so one visit keeps them all.
const OFFLINE_LINK = /<a\s[^>]*href="(\/[^"]*)"[^>]*\sdata-offline/g;
const MAX_PAGES = 300;

async function keepAll(urls) {
  const cache = await caches.open(PAGE_CACHE);
  const queue = urls.map((path) => ({ path, depth: 0 }));
  const seen = new Set();
  let kept = 0;
  while (queue.length && seen.size < MAX_PAGES) {
    const { path, depth } = queue.shift();
    const url = new URL(path, self.location.origin).href;
    if (seen.has(url)) continue;
    seen.add(url);
    const old = await cache.match(url, { ignoreVary: true });
    const date = old && Date.parse(old.headers.get("Date") || "");
    if (date && Date.now() - date < FRESH_MS) { kept += 1; continue; }
    let response;
    try {
      response = await fetch(url, { credentials: "same-origin" });
    } catch (_) {
      break;  // the connection went: keep what we have
    }
    if (!keepable(response)) continue;
    if (depth < 2) {
      const html = await response.clone().text();
      for (const match of html.matchAll(OFFLINE_LINK)) queue.push({ path: match[1].replace(/&amp;/g, "&"), depth: depth + 1 });
    }
    await cache.put(url, response);
    kept += 1;
  }
  return kept;
}

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "keep" && Array.isArray(event.data.urls)) {
    const urls = event.data.urls.filter((u) => typeof u === "string" && u.startsWith("/")).slice(0, MAX_PAGES);
    event.waitUntil(keepAll(urls).then((kept) => { if (event.ports[0]) event.ports[0].postMessage({ kept }); }));
  }
});
