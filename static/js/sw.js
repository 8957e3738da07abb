/* Relais service worker: keeps the app shell (scan, pack and crate pages, styles,
   scripts, the QR decoder) so the scan page opens without signal, and sends the outbox
   when the connection comes back (Background Sync). /sw.js prepends self.RELAIS:
   { release, static: [urls], pages: [urls], outbox: url of outbox.js }.
   Pages belong to the person signed in: each page tells the worker who that is and
   which shell pages they may open; the worker keeps those only, and drops the pages
   kept for anyone else, so a shared phone never shows one person's pages to another. */
"use strict";

importScripts(self.RELAIS.outbox);

const CACHE = "relais-" + self.RELAIS.release;
// The pages kept for one person, in a cache of their own: "relais-<release>-of-<user>".
const PAGES_OF = CACHE + "-of-";
// Pages kept for use without signal: the shell, and each crate page opened online.
const KEPT = /^\/(outbox|inventory\/(scan|pack|batch|crates\/[0-9A-Z]+(\/pack)?))$/;
const CRATE = /^\/inventory\/crates\/[0-9A-Z]+$/;
const PACK = /^\/inventory\/crates\/[0-9A-Z]+\/pack$/;
const PACK_SHELL = self.RELAIS.pages[1];
const OUTBOX_PAGE = self.RELAIS.pages[2];

// A page as its person sees it: never a redirect (to the sign-in page), a refusal or an error.
const keepable = (response) =>
  response.status === 200 && response.type === "basic" && !response.redirected &&
  !/no-store/.test(response.headers.get("Cache-Control") || "");

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

const pageCaches = async () => (await caches.keys()).filter((name) => name.startsWith(PAGES_OF));

// The cache of the person signed in, as pages last told; none when nobody is.
async function signedInPages() {
  const [name] = await pageCaches();
  return name ? caches.open(name) : null;
}

// A page said who is signed in (user "" for nobody) and which shell pages they may open.
// A background fetch still running for the person before writes into their dropped
// cache, which nothing reads.
async function keepShellFor({ user, pages }) {
  const own = PAGES_OF + user;
  const others = (await pageCaches()).filter((name) => name !== own);
  await Promise.all(others.map((name) => caches.delete(name)));
  if (!user) return;
  const cache = await caches.open(own);
  const missing = [];
  for (const url of self.RELAIS.pages) {
    if (pages.includes(url) && !(await cache.match(url))) missing.push(url);
  }
  await Promise.all(missing.map((url) => keep(cache, url)));
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    await (await caches.open(CACHE)).addAll(self.RELAIS.static);
    await self.skipWaiting();
  })());
});

// One after the other: a sign-out's drop never runs between a sign-in's steps.
let telling = Promise.resolve();
self.addEventListener("message", (event) => {
  const shell = event.data && event.data.keepShell;
  if (!shell) return;
  telling = telling.then(() => keepShellFor(shell)).catch(() => {});
  event.waitUntil(telling);
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    const old = (name) => name.startsWith("relais-") && name !== CACHE && !name.startsWith(PAGES_OF);
    await Promise.all(names.filter(old).map((name) => caches.delete(name)));
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
  if (response.status === 200) (await caches.open(CACHE)).put(request, response.clone());
  return response;
}

async function networkFirst(request, path) {
  const kept = await signedInPages();
  try {
    const response = await fetch(request);
    if (kept && keepable(response)) kept.put(request, response.clone());
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
