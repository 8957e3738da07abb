/* Relais: scanning crates with the phone camera or a keyboard-wedge scanner.
   No inline code anywhere: the CSP only allows scripts served by the app. */
(() => {
  "use strict";

  // document.currentScript is only set while this file first runs, so capture it now.
  const SELF = (document.currentScript && document.currentScript.src) || "/static/js/scan.js";
  const JSQR_URL = new URL("vendor/jsqr.min.js", SELF).href;

  const SCAN_EVERY_MS = 200; // a few decodes a second is plenty and keeps the phone cool
  const MAX_FRAME_WIDTH = 640; // jsQR cost grows with pixels; labels still read fine at this size
  const REPEAT_MS = 2000; // ignore the same code until it has been out of view this long

  // English fallbacks; the page can translate them with data-msg-* attributes on
  // [data-scanner] (dataset.msgNoCamera reads data-msg-no-camera).
  const MESSAGES = {
    msgLooking: "Point the camera at the QR code on the crate label.",
    msgDenied: "Camera access was refused. Allow it in the browser settings, or type the code.",
    msgNoCamera: "No camera found. Type the code instead.",
    msgError: "The camera could not be started. Type the code instead.",
    msgNeedsSecure:
      "The camera works only on a secure (https) address or on localhost. Type the code, or use a USB or Bluetooth scanner.",
  };

  const submit = (form, submitter) => {
    // requestSubmit fires a submit event, so htmx (or validation) handles it like a click.
    if (typeof form.requestSubmit === "function") form.requestSubmit(submitter || undefined);
    else form.submit();
  };

  // --- site choice: <select data-autosubmit> submits its form on change ---
  document.addEventListener("change", (event) => {
    const el = event.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
      submit(el.form);
    }
  });

  function init() {
    const input = document.getElementById("code");
    const form = input && input.form;
    const batch = !!form && form.id === "batch-form";
    // Counting pages (several crates, stocktake) keep the camera on between crates.
    const continuous = batch || (!!form && form.hasAttribute("data-continuous"));
    const scanner = setUpCamera(input, form, batch, continuous);
    if (batch) setUpBatchInput(input, scanner);
    else if (continuous) setUpCountInput(input, form, scanner);
    else if (form) setUpScanInput(input, form);
  }

  // --- batch page: the input carries hx-get with hx-trigger="scanned" ---
  function setUpBatchInput(input, scanner) {
    input.addEventListener("keydown", (event) => {
      // With htmx, Enter adds the code through htmx and must not POST the whole batch
      // form. Without htmx, Enter submits natively through the "Add" button.
      if (event.key !== "Enter" || !window.htmx) return;
      event.preventDefault();
      input.dispatchEvent(new Event("scanned"));
    });
    input.addEventListener("htmx:beforeRequest", () => { scanner.busy = true; });
    input.addEventListener("htmx:afterRequest", (event) => {
      scanner.busy = false;
      const xhr = event.detail && event.detail.xhr;
      // Keep the code after a network failure so it can be retried.
      if (xhr && xhr.status) input.value = "";
      // Focus brings up the on-screen keyboard, which would cover the camera view.
      if (!scanner.running) input.focus();
    });
  }

  // --- stocktake: a plain htmx form that stays open for the next crate ---
  function setUpCountInput(input, form, scanner) {
    form.addEventListener("htmx:beforeRequest", () => { scanner.busy = true; });
    form.addEventListener("htmx:afterRequest", (event) => {
      scanner.busy = false;
      const xhr = event.detail && event.detail.xhr;
      if (xhr && xhr.status) input.value = "";
      if (!scanner.running) input.focus();
    });
  }

  // --- scan page: a plain htmx form ---
  function setUpScanInput(input, form) {
    form.addEventListener("htmx:afterRequest", () => {
      // Select the old code so the next wedge scan replaces it instead of appending.
      // Only when already focused: focusing would pop up the phone keyboard over the result.
      if (document.activeElement === input) input.select();
    });
  }

  // --- camera ---
  function setUpCamera(input, form, batch, continuous) {
    const state = { running: false, busy: false };
    const root = document.querySelector("[data-scanner]");
    const video = root && root.querySelector("#camera");
    const button = root && root.querySelector("#camera-start");
    const status = root && root.querySelector("#camera-status");
    const canUseCamera = !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
    if (!video || !button || !input || !form) return state;

    const say = (key) => {
      if (!status) return;
      status.textContent = key ? root.dataset[key] || MESSAGES[key] : "";
      status.hidden = !key;
    };
    // Browsers give the camera only to HTTPS pages and localhost: say so, not a dead button.
    if (!canUseCamera) {
      say("msgNeedsSecure");
      return state;
    }

    const canvas = root.querySelector("#camera-frame") || document.createElement("canvas");
    let stream = null;
    let run = 0; // bumped on every start/stop so a stale decode loop ends itself
    let last = { text: "", time: 0 };

    const stop = () => {
      run += 1;
      state.running = false;
      if (stream) stream.getTracks().forEach((track) => track.stop());
      stream = null;
      video.srcObject = null;
      video.hidden = true;
      button.hidden = false;
      button.disabled = false;
    };

    const found = (text) => {
      const now = Date.now();
      if (text === last.text && now - last.time < REPEAT_MS) {
        // Counting keeps scanning: ignore a crate for as long as it stays in view.
        if (continuous) last.time = now;
        return;
      }
      last = { text, time: now };
      if (navigator.vibrate) navigator.vibrate(80);
      input.value = text; // a full label URL is fine, the server extracts the code
      if (batch) {
        if (window.htmx) {
          input.dispatchEvent(new Event("scanned"));
        } else {
          submit(form, form.querySelector('button[name="add"]'));
        }
      } else if (continuous) {
        submit(form);
      } else {
        stop();
        say(null);
        submit(form);
      }
    };

    const loop = (decode, myRun) => {
      const tick = async () => {
        if (myRun !== run) return;
        // In batch mode wait for the previous code's request, or htmx would queue
        // a request that reads the input after it has been cleared.
        if (!state.busy && video.readyState >= video.HAVE_CURRENT_DATA) {
          try {
            const text = await decode(video);
            if (text && myRun === run) found(text);
          } catch (err) {
            // a frame that cannot be read is not fatal; try the next one
          }
        }
        if (myRun === run) setTimeout(() => requestAnimationFrame(tick), SCAN_EVERY_MS);
      };
      tick();
    };

    button.hidden = false;
    button.addEventListener("click", async () => {
      button.disabled = true;
      const myRun = ++run;
      // Fetch the decoder while the user answers the permission prompt.
      const decoderReady = makeDecoder(canvas);
      decoderReady.catch(() => {}); // handled below; avoid an "unhandled rejection" warning
      let media = null;
      try {
        media = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: "environment" },
          audio: false,
        });
        const decode = await decoderReady;
        if (myRun !== run) throw new Error("cancelled");
        stream = media;
        video.srcObject = stream;
        video.hidden = false;
        button.hidden = true;
        await video.play();
        state.running = true;
        say("msgLooking");
        loop(decode, myRun);
      } catch (err) {
        if (media && media !== stream) media.getTracks().forEach((track) => track.stop());
        if (myRun !== run) return;
        stop();
        const name = err && err.name;
        if (name === "NotAllowedError" || name === "SecurityError") say("msgDenied");
        else if (name === "NotFoundError" || name === "OverconstrainedError") say("msgNoCamera");
        else say("msgError");
      }
    });

    // Release the camera when leaving (also before the page goes into the back/forward cache).
    window.addEventListener("pagehide", stop);
    return state;
  }

  // Resolves to a function video => Promise<string|null>.
  async function makeDecoder(canvas) {
    if ("BarcodeDetector" in window) {
      try {
        const formats = await window.BarcodeDetector.getSupportedFormats();
        if (formats.includes("qr_code")) {
          const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
          return async (video) => {
            const codes = await detector.detect(video);
            return codes.length ? codes[0].rawValue : null;
          };
        }
      } catch (err) {
        // fall back to jsQR
      }
    }
    await loadJsQR();
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    return async (video) => {
      const scale = Math.min(1, MAX_FRAME_WIDTH / video.videoWidth);
      const width = Math.round(video.videoWidth * scale);
      const height = Math.round(video.videoHeight * scale);
      if (!width || !height) return null;
      if (canvas.width !== width) canvas.width = width;
      if (canvas.height !== height) canvas.height = height;
      ctx.drawImage(video, 0, 0, width, height);
      const image = ctx.getImageData(0, 0, width, height);
      // Labels are printed dark on light, so skip the (slow) inverted pass.
      const code = window.jsQR(image.data, width, height, { inversionAttempts: "dontInvert" });
      return code ? code.data : null;
    };
  }

  let jsQRLoading = null;
  function loadJsQR() {
    if (window.jsQR) return Promise.resolve();
    if (!jsQRLoading) {
      jsQRLoading = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = JSQR_URL;
        script.onload = () => (window.jsQR ? resolve() : reject(new Error("jsQR missing")));
        script.onerror = () => {
          jsQRLoading = null; // allow a retry on the next tap
          reject(new Error("could not load " + JSQR_URL));
        };
        document.head.appendChild(script);
      });
    }
    return jsQRLoading;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
