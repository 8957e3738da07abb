/* Relais service worker: keeps the app shell (scan, pack and crate pages, styles,
   scripts, the QR decoder) so the scan page opens without signal, and sends the outbox
   when the connection comes back (Background Sync). /sw.js prepends self.RELAIS:
   { release, static: [urls], pages: [urls], outbox: url of outbox.js }. */
"use strict";

importScripts(self.RELAIS.outbox);

const CACHE = "relais-" + self.RELAIS.release;
// Pages kept for use without signal: the shell, and each crate page opened online.
const KEPT = /^\/(outbox|inventory\/(scan|pack|batch|crates\/[0-9A-Z]+(\/pack)?))$/;
const CRATE = /^\/inventory\/crates\/[0-9A-Z]+$/;
const PACK = /^\/inventory\/crates\/[0-9A-Z]+\/pack$/;
const PACK_SHELL = self.RELAIS.pages[1];
const OUTBOX_PAGE = self.RELAIS.pages[2];

const keepable = (response) =>
  response.ok && !response.redirected && !/no-store/.test(response.headers.get("Cache-Control") || "");

async function keep(cache, url) {
  try {
    // The header tells the server to set no cookie: this answer may land after the
    // person signed in or chose their site, and must not put their older session back.
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { "X-Relais-Keep": "1" },
    });
    if (keepable(response)) await cache.put(url, response);
  } catch (error) {
    // a page that cannot be fetched now is kept at its first visit instead
  }
}

// Pages only when signed in: a redirect to the sign-in page is not kept. Pages ask
// again (message "keep-shell") once someone is signed in.
async function keepShell() {
  const cache = await caches.open(CACHE);
  const missing = [];
  for (const url of self.RELAIS.pages) if (!(await cache.match(url))) missing.push(url);
  await Promise.all(missing.map((url) => keep(cache, url)));
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    await (await caches.open(CACHE)).addAll(self.RELAIS.static);
    await keepShell();
    await self.skipWaiting();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data === "keep-shell") event.waitUntil(keepShell());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith("relais-") && name !== CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && request.mode === "navigate") {
    event.respondWith(postOrQueue(request));
  } else if (request.method === "GET" && url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  } else if (request.method === "GET" && request.mode === "navigate" && KEPT.test(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname));
  }
});

async function cacheFirst(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) (await caches.open(CACHE)).put(request, response.clone());
  return response;
}

async function networkFirst(request, path) {
  try {
    const response = await fetch(request);
    if (keepable(response)) (await caches.open(CACHE)).put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await caches.match(request, { ignoreSearch: true });
    if (cached) return cached;
    // A crate never opened on this phone: offer to pack it (the server refuses the
    // pack later if the crate was not empty, and the outbox shows why).
    if (CRATE.test(path)) return Response.redirect(path + "/pack", 303);
    const shell = PACK.test(path) && (await caches.match(PACK_SHELL));
    if (shell) return shell;
    throw error;
  }
}

// A form sent without signal, or answered with a server error: an action with an
// event id waits in the outbox; anything else fails as it would without this worker.
async function postOrQueue(request) {
  const copy = request.clone();
  try {
    const response = await fetch(request);
    if (response.status < 500) return response;
  } catch (error) {
    // no signal: keep the action below
  }
  const form = await copy.formData();
  if (!form.get("event_id")) return Response.error();
  const fields = [...form.entries()].filter(([, value]) => typeof value === "string");
  await self.RelaisOutbox.add({ url: request.url, fields, label: "" });
  if (self.registration.sync) self.registration.sync.register("outbox").catch(() => {});
  return Response.redirect(OUTBOX_PAGE + "?queued=1", 303);
}

self.addEventListener("sync", (event) => {
  if (event.tag === "outbox") event.waitUntil(self.RelaisOutbox.flush());
});
