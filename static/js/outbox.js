/* Relais outbox: crate actions taken without signal wait in IndexedDB and are sent, in
   order and each with its own event_id, when the connection comes back. The server
   answers a replayed event_id with its first answer, so an action counts once.
   Also: in-flight and failure messages for every htmx request, the last known state of
   crates seen on this phone, and the list of crates scanned recently.
   Runs in pages and in the service worker (which only uses self.RelaisOutbox). */
(() => {
  "use strict";

  const DB_NAME = "relais";
  const OUTBOX = "outbox";
  const CRATES = "crates";
  const META = "meta";
  const LOGIN_PATH = "/login";
  let opening = null;

  const database = () => {
    if (!opening) {
      opening = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => {
          request.result.createObjectStore(OUTBOX, { keyPath: "id", autoIncrement: true });
          request.result.createObjectStore(CRATES, { keyPath: "code" });
          request.result.createObjectStore(META, { keyPath: "key" });
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return opening;
  };

  // One request in its own transaction; resolves once the transaction is done.
  const run = async (store, mode, work) => {
    const transaction = (await database()).transaction(store, mode);
    const request = work(transaction.objectStore(store));
    return new Promise((resolve, reject) => {
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
    });
  };

  const list = () => run(OUTBOX, "readonly", (store) => store.getAll());
  const put = (entry) => run(OUTBOX, "readwrite", (store) => store.put(entry));
  const remove = (id) => run(OUTBOX, "readwrite", (store) => store.delete(id));
  // Who is signed in on this phone (pages say it): an action waits for the person who
  // took it, and is never sent under someone else's name.
  const setUser = (user) => run(META, "readwrite", (store) => store.put({ key: "user", user }));
  const getUser = async () => ((await run(META, "readonly", (store) => store.get("user"))) || {}).user;
  const eventIdOf = (entry) => (entry.fields.find(([name]) => name === "event_id") || [])[1];

  const changed = async () => {
    if (typeof self.clients !== "undefined" && self.clients.matchAll) {
      for (const client of await self.clients.matchAll()) client.postMessage("outbox");
    }
    if (typeof document !== "undefined") document.dispatchEvent(new Event("relais:outbox"));
  };

  // entry: { url, fields: [[name, value]], label }; the same event sent twice waits once.
  const add = async (entry) => {
    const eventId = eventIdOf(entry);
    const waiting = await list();
    if (waiting.some((other) => other.url === entry.url && eventIdOf(other) === eventId)) return;
    await put({ ...entry, user: await getUser(), at: Date.now(), state: "waiting", reason: "" });
    await changed();
  };

  const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", "#x27": "'" };
  // The server's reason: the first non-empty role="alert" element of its answer.
  const reasonIn = (html) => {
    const alerts = html.matchAll(/<(\w+)[^>]*role="alert"[^>]*>([\s\S]*?)<\/\1>/g);
    for (const [, , inner] of alerts) {
      const text = inner.replace(/<[^>]*>/g, "").replace(/&(#?\w+);/g, (all, name) => ENTITIES[name] || all);
      if (text.trim()) return text.trim().replace(/\s+/g, " ");
    }
    return "";
  };

  // "sent", "refused" or "later" (no signal, a server error, signed out).
  const send = async (entry, token) => {
    const body = new URLSearchParams();
    for (const [name, value] of entry.fields) {
      body.append(name, name === "csrf_token" && token ? token : value);
    }
    let response;
    try {
      response = await fetch(entry.url, { method: "POST", body, credentials: "same-origin" });
    } catch (error) {
      return "later";
    }
    if (response.status >= 500) return "later";
    if (response.redirected && new URL(response.url).pathname === LOGIN_PATH) return "later";
    if (response.status >= 400) {
      const reason = reasonIn(await response.text()) || "HTTP " + response.status;
      await put({ ...entry, state: "refused", reason });
      return "refused";
    }
    await remove(entry.id);
    return "sent";
  };

  let flushing = null;
  // token: the page's current CSRF token, for actions taken before signing in again.
  const flush = (token) => {
    if (!flushing) {
      flushing = (async () => {
        const user = await getUser();
        for (const entry of await list()) {
          if (entry.state !== "waiting" || entry.user !== user) continue;
          if ((await send(entry, token)) === "later") break;
        }
      })().finally(() => {
        flushing = null;
        return changed();
      });
    }
    return flushing;
  };

  const saveCrate = (snapshot) => run(CRATES, "readwrite", (store) => store.put(snapshot));
  const getCrate = (code) => run(CRATES, "readonly", (store) => store.get(code));
  const allCrates = () => run(CRATES, "readonly", (store) => store.getAll());

  self.RelaisOutbox = { add, list, put, remove, flush };
  if (typeof document === "undefined") return;

  // --- in the page ----------------------------------------------------------------------

  const live = () => document.getElementById("live-alert");
  // Translated texts come from data-msg-* attributes of the live region; %s is filled in.
  const FALLBACK = {
    msgQueued: "No connection: “%s” waits in the outbox and is sent when the phone is back online.",
    msgOffline: "No connection. Try again when the phone is back online.",
    msgFailed: "This did not work (error %s). Try again.",
    msgSending: "Sending…",
    msgLoading: "Loading…",
    msgAsOf: "As of %s, last seen on this phone (no connection).",
  };
  const say = (key, value) => {
    const box = live();
    const text = (box && box.dataset[key]) || FALLBACK[key];
    return text.replace("%s", value === undefined ? "" : value);
  };
  const token = () => {
    const input = document.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  };
  const newEventId = () =>
    self.crypto.randomUUID ? self.crypto.randomUUID().replace(/-/g, "")
      : Array.from(self.crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

  const announce = (text, near) => {
    const box = live();
    if (box) {
      box.textContent = text;
      box.hidden = !text;
    }
    if (!near || !near.isConnected) return;
    const next = near.nextElementSibling;
    if (next && next.hasAttribute("data-request-error")) next.remove();
    const note = document.createElement("p");
    note.className = "flash error";
    note.setAttribute("data-request-error", "");
    note.textContent = text;
    near.after(note);
  };

  const showCount = async () => {
    const count = (await list()).length;
    for (const element of document.querySelectorAll("[data-outbox-count]")) {
      element.setAttribute("data-outbox-count", String(count));
      element.textContent = (element.dataset.msgWaiting || "%s waiting").replace("%s", count);
      element.hidden = count === 0;
    }
  };

  const displayCode = (code) => code.slice(0, 4) + "-" + code.slice(4);
  const crateInPath = (path) => {
    const match = /\/crates\/([0-9A-Z]{8})(\/|$)/.exec(path);
    return match ? match[1] : "";
  };

  const labelOf = (form, submitter) => {
    const button = submitter || form.querySelector("button:not([type=button])");
    const code = crateInPath(new URL(form.action, location.href).pathname);
    const what = (button && button.textContent.trim()) || document.title;
    return code ? what + " · " + displayCode(code) : what;
  };

  const queue = async (url, formData, label, near) => {
    const fields = [...formData.entries()].filter(([, value]) => typeof value === "string");
    await add({ url: new URL(url, location.href).href, fields, label });
    announce(say("msgQueued", label), near);
    if (navigator.serviceWorker) {
      navigator.serviceWorker.ready
        .then((registration) => registration.sync && registration.sync.register("outbox"))
        .catch(() => {});
    }
  };

  // Crockford's reading of a typed or scanned code, as the server does it.
  const normalise = (typed) => {
    let text = typed.trim();
    if (text.includes("/c/")) text = text.split("/c/").pop();
    const code = text.toUpperCase().replace(/[-\s]/g, "").replace(/[IL]/g, "1").replace(/O/g, "0");
    return /^[0-9A-HJKMNP-TV-Z]{8}$/.test(code) ? code : "";
  };

  const openWithoutSignal = async (form) => {
    const code = normalise(form.elements.namedItem("code").value);
    if (!code) {
      announce(say("msgOffline"), form);
      return;
    }
    const base = new URL(form.action, location.href).pathname.replace(/\/scan$/, "/crates/");
    location.href = base + code + ((await getCrate(code)) ? "" : "/pack");
  };

  // The first tap makes the form's event id on the phone: a page served from the cache
  // never sends an id it sent before. Without signal, the action goes to the outbox.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (!navigator.onLine && form.id === "scan-form") {
      event.preventDefault();
      event.stopPropagation();
      openWithoutSignal(form);
      return;
    }
    const eventId = form.elements.namedItem("event_id");
    if (!eventId || form.method !== "post") return;
    if (!form.hasAttribute("data-event-made")) {
      eventId.value = newEventId();
      form.setAttribute("data-event-made", "");
    }
    if (navigator.onLine) return;
    event.preventDefault();
    event.stopPropagation();
    const submitter = event.submitter;
    // "Add another item", "Add": page changes, not actions; they need the server.
    if (submitter && submitter.name && submitter.name !== "action") {
      announce(say("msgOffline"), submitter);
      return;
    }
    queue(form.action, new FormData(form, submitter), labelOf(form, submitter), submitter || form);
  }, true);

  // --- htmx: in flight, failures ---
  const buttonOf = (detail) => {
    const elt = detail.elt;
    if (elt instanceof HTMLButtonElement) return elt;
    if (!(elt instanceof HTMLFormElement)) return null;
    const trigger = detail.requestConfig && detail.requestConfig.triggeringEvent;
    return (trigger && trigger.submitter) || elt.querySelector("button:not([type=button])");
  };

  document.addEventListener("htmx:beforeRequest", (event) => {
    const detail = event.detail;
    detail.elt.setAttribute("aria-busy", "true");
    const button = buttonOf(detail);
    if (!button) return;
    button.dataset.idleLabel = button.textContent;
    button.textContent = say(detail.requestConfig.verb === "get" ? "msgLoading" : "msgSending");
    // Marked, not disabled: a disabled button drops the keyboard focus to <body>, where
    // the browser's own autofocus and htmx's then both move it, the later one mid-typing.
    button.setAttribute("aria-disabled", "true");
  });

  // A busy button ignores taps, clicks and Enter (implicit submission clicks it too).
  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element && event.target.closest("button[aria-disabled='true']");
    if (!button) return;
    event.preventDefault();
    event.stopImmediatePropagation();
  }, true);

  document.addEventListener("htmx:afterRequest", (event) => {
    const detail = event.detail;
    detail.elt.removeAttribute("aria-busy");
    const button = buttonOf(detail);
    if (button && button.dataset.idleLabel !== undefined) {
      button.textContent = button.dataset.idleLabel;
      delete button.dataset.idleLabel;
      button.removeAttribute("aria-disabled");
    }
    const status = detail.xhr ? detail.xhr.status : 0;
    if (status === 409 || status === 422) {
      // A refusal swapped into the page: announce it as well.
      announce(reasonIn(detail.xhr.responseText));
    } else if (detail.successful && live()) {
      live().hidden = true;
    }
  });

  const failed = (event) => {
    const detail = event.detail;
    const config = detail.requestConfig;
    const status = detail.xhr ? detail.xhr.status : 0;
    const near = buttonOf(detail) || detail.elt;
    const action = config.verb === "post" && config.formData && config.formData.get("event_id");
    if (action && (status === 0 || status >= 500)) {
      const form = detail.elt.closest("form") || detail.elt;
      queue(config.path, config.formData, labelOf(form, buttonOf(detail)), near);
      return;
    }
    const reason = status ? reasonIn(detail.xhr.responseText) || say("msgFailed", status) : "";
    announce(reason || say("msgOffline"), near);
  };
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:responseError", failed);

  // What an action swapped in says how it went: bring its message (or the error summary)
  // into view and focus, as a page answering a form does. Polls and searches (GETs) leave
  // the eye and the focus where they are.
  document.addEventListener("htmx:afterSettle", (event) => {
    const detail = event.detail;
    if (!detail.requestConfig || detail.requestConfig.verb === "get") return;
    // An outerHTML swap replaced the target: its successor has the same id.
    const target = detail.target.isConnected ? detail.target : document.getElementById(detail.target.id);
    if (!target) return;
    const message = target.matches(".flash") ? target : target.querySelector(".flash");
    if (!message) return;
    message.setAttribute("tabindex", "-1");
    message.focus({ preventScroll: true });
    message.scrollIntoView({ block: "nearest" });
  });

  // --- crates seen on this phone ---
  const panel = () => document.querySelector("#crate-panel[data-crate]");
  const remember = (element) => {
    const stateOf = element.querySelector(".state");
    return saveCrate({
      code: element.dataset.crate,
      html: element.innerHTML,
      state: stateOf ? stateOf.textContent.trim() : "",
      at: Date.now(),
    });
  };

  const showCrate = async (element) => {
    if (navigator.onLine) {
      await remember(element);
      return;
    }
    const known = await getCrate(element.dataset.crate);
    if (known) {
      element.innerHTML = known.html;
      if (window.htmx) window.htmx.process(element);
    }
    const note = document.createElement("p");
    note.className = "flash";
    note.setAttribute("data-as-of", "");
    const at = known ? known.at : Date.now();
    const time = new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    note.textContent = say("msgAsOf", time);
    element.before(note);
  };

  document.addEventListener("htmx:afterSwap", (event) => {
    const element = panel();
    if (element && event.detail.target === element && event.detail.successful) remember(element);
  });

  const showRecent = async (section) => {
    const crates = (await allCrates()).sort((a, b) => b.at - a.at).slice(0, 8);
    const items = section.querySelector("ul");
    const base = section.dataset.crateUrl;
    for (const crate of crates) {
      const link = document.createElement("a");
      link.href = base.replace("CODE", crate.code);
      link.textContent = displayCode(crate.code);
      const item = document.createElement("li");
      item.append(link, " " + crate.state);
      items.append(item);
    }
    section.hidden = crates.length === 0;
  };

  // --- the outbox page ---
  const entryName = (entry) => entry.label || decodeURIComponent(new URL(entry.url).pathname);

  const showOutbox = async (section) => {
    const items = section.querySelector("ol");
    const entries = await list();
    const user = await getUser();
    items.replaceChildren();
    section.querySelector("[data-outbox-empty]").hidden = entries.length > 0;
    for (const entry of entries) {
      const item = document.createElement("li");
      item.className = "outbox-entry " + entry.state;
      const what = document.createElement("strong");
      what.textContent = entryName(entry);
      const when = new Date(entry.at).toLocaleString([], { dateStyle: "short", timeStyle: "short" });
      const state = document.createElement("p");
      state.textContent = entry.state === "refused"
        ? section.dataset.msgRefused.replace("%s", entry.reason)
        : section.dataset[entry.user === user ? "msgWaiting" : "msgOtherPerson"];
      item.append(what, " · " + when, state);
      if (entry.state === "refused") {
        for (const [key, work] of [["msgRetry", retry], ["msgDiscard", discard]]) {
          const button = document.createElement("button");
          button.type = "button";
          button.textContent = section.dataset[key];
          button.addEventListener("click", () => work(entry));
          item.append(button, " ");
        }
      }
      items.append(item);
    }
  };
  const retry = async (entry) => {
    await put({ ...entry, state: "waiting", reason: "" });
    await flush(token());
  };
  const discard = async (entry) => {
    await remove(entry.id);
    await changed();
  };

  // The service worker kept a form sent without signal and showed this page: say so.
  const announceKept = async () => {
    const entries = await list();
    if (entries.length) announce(say("msgQueued", entryName(entries[entries.length - 1])));
  };

  const refresh = () => {
    showCount();
    const page = document.querySelector("[data-outbox-page]");
    if (page) showOutbox(page);
  };

  // Who is signed in (nobody without the counter) and the shell pages they may open: the
  // service worker keeps those, and drops what it kept for anyone else.
  const tellWorker = (counter) => {
    const keepShell = {
      user: counter ? counter.dataset.user : "",
      pages: counter ? counter.dataset.keep.split(" ").filter(Boolean) : [],
    };
    navigator.serviceWorker.ready
      .then((registration) => registration.active && registration.active.postMessage({ keepShell }))
      .catch(() => {});
  };

  const start = async () => {
    const counter = document.querySelector("[data-outbox-count]");
    if (counter) await setUser(counter.dataset.user).catch(() => {});
    document.addEventListener("relais:outbox", refresh);
    if (navigator.serviceWorker) {
      navigator.serviceWorker.addEventListener("message", (event) => {
        if (event.data === "outbox") refresh();
      });
      const worker = document.querySelector('link[rel="manifest"]');
      if (worker && worker.dataset.serviceWorker) {
        navigator.serviceWorker.register(worker.dataset.serviceWorker, { scope: "/" }).catch(() => {});
      }
      if (navigator.onLine) {
        tellWorker(counter);
        // A new release's worker took over: it keeps its own copy of the pages.
        navigator.serviceWorker.addEventListener("controllerchange", () => tellWorker(counter));
      }
    }
    window.addEventListener("online", () => flush(token()));
    const element = panel();
    if (element) showCrate(element);
    const recent = document.querySelector("[data-recent-crates]");
    if (recent) showRecent(recent);
    const shell = document.querySelector("form[data-pack-shell]");
    const code = crateInPath(location.pathname);
    // The shell was kept while working elsewhere, maybe: pack where the volunteer is.
    const here = document.querySelector(".site-choice select");
    if (here) localStorage.setItem("relais-site", here.value);
    if (shell && code) {
      shell.action = location.pathname;
      const site = shell.elements.namedItem("site_id");
      const chosen = localStorage.getItem("relais-site");
      if (site && chosen && site.querySelector(`option[value="${CSS.escape(chosen)}"]`)) site.value = chosen;
      const heading = document.querySelector("[data-pack-code]");
      if (heading) heading.textContent = heading.textContent.replace("…", displayCode(code));
      document.title = document.title.replace("…", displayCode(code));
    }
    if (document.querySelector("[data-outbox-page]") && /[?&]queued=/.test(location.search)) {
      announceKept();
    }
    refresh();
    if (navigator.onLine) flush(token());
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
