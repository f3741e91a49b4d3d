// "Brief scannen": the phone camera in the page reads the QR code on a letter of the city and
// opens the URL it holds, if that URL belongs to this portal. The browser's BarcodeDetector is
// used where it reads QR codes; elsewhere the zxing-wasm ponyfill served from /static/vendor.
// Texts live in the page (translated on the server); this module only shows them.
// @ts-check

const SCAN_INTERVAL_MS = 200; // about five frames a second
const PORTAL_PATHS = ["/b/", "/zahlungen/z/"];

const root = document.getElementById("scanner");

// The portal URL in a QR code's text, or null for anything else.
/** @param {string} raw */
function portalUrl(raw) {
  let url;
  try {
    url = new URL(raw, window.location.href);
  } catch {
    return null;
  }
  if (url.origin !== window.location.origin) return null;
  return PORTAL_PATHS.some((path) => url.pathname.startsWith(path)) ? url : null;
}

/** @param {string} src */
function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.addEventListener("load", resolve, { once: true });
    script.addEventListener("error", () => reject(new Error(`cannot load ${src}`)), { once: true });
    document.head.append(script);
  });
}

async function nativeDetector() {
  const Detector = window.BarcodeDetector;
  if (!Detector) return null;
  try {
    const formats = await Detector.getSupportedFormats();
    return formats.includes("qr_code") ? new Detector({ formats: ["qr_code"] }) : null;
  } catch {
    return null;
  }
}

// The ponyfill, told to take its .wasm from our own static folder (never from a CDN).
/** @param {HTMLElement} root */
async function ponyfillDetector(root) {
  if (!window.BarcodeDetectionAPI) await loadScript(root.dataset.decoderScript ?? "");
  const api = window.BarcodeDetectionAPI;
  if (!api) throw new Error("no BarcodeDetector ponyfill");
  const wasmUrl = new URL(root.dataset.decoderWasm ?? "", window.location.href).href;
  await api.prepareZXingModule({
    overrides: {
      locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasmUrl : prefix + path),
    },
    fireImmediately: true,
  });
  return new api.BarcodeDetector({ formats: ["qr_code"] });
}

/** @param {HTMLElement} root */
async function makeDetector(root) {
  return (await nativeDetector()) || ponyfillDetector(root);
}

/**
 * The page's parts, all in pwa/templates/views/fines/scan.html.
 * @template {HTMLElement} T
 * @param {string} id
 * @returns {T}
 */
function part(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing`);
  return /** @type {T} */ (found);
}

/** @param {HTMLElement} root */
function init(root) {
  /** @type {HTMLButtonElement} */
  const startButton = part("scanner-start");
  const intro = part("scanner-intro");
  /** @type {HTMLVideoElement} */
  const video = part("scanner-video");
  const alertBox = part("scanner-alert");
  const message = part("scanner-message");

  /** @type {MediaStream | null} */
  let stream = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let running = false;

  /** @param {string | undefined} text */
  function say(text) {
    text ??= "";
    // Unchanged text is not written again, so screen readers announce it once.
    if (message.textContent !== text) message.textContent = text;
    alertBox.hidden = false;
  }

  function stop() {
    running = false;
    clearTimeout(timer);
    timer = undefined;
    if (stream) {
      for (const track of stream.getTracks()) track.stop();
      stream = null;
    }
    video.srcObject = null;
    video.hidden = true;
  }

  /** @param {string | undefined} text */
  function giveUp(text) {
    stop();
    say(text);
    startButton.hidden = false;
    startButton.disabled = false;
  }

  /** @param {BarcodeDetector} detector */
  async function scan(detector) {
    if (!running) return;
    /** @type {DetectedBarcode[]} */
    let codes = [];
    try {
      if (video.readyState >= video.HAVE_CURRENT_DATA) codes = await detector.detect(video);
    } catch {
      giveUp(root.dataset.textNoDecoder);
      return;
    }
    if (!running) return;
    for (const code of codes) {
      const url = portalUrl(code.rawValue);
      if (url) {
        stop();
        window.location.assign(url.href);
        return;
      }
    }
    if (codes.length > 0) say(root.dataset.textForeign);
    timer = setTimeout(() => scan(detector), SCAN_INTERVAL_MS);
  }

  async function start() {
    startButton.disabled = true;
    alertBox.hidden = true;
    // The decoder loads while the citizen answers the camera prompt.
    const detecting = makeDetector(root);
    detecting.catch(() => {}); // handled below, after the camera
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment" },
        audio: false,
      });
    } catch {
      giveUp(root.dataset.textNoCamera);
      return;
    }
    let detector;
    try {
      detector = await detecting;
    } catch {
      giveUp(root.dataset.textNoDecoder);
      return;
    }
    if (!stream) return; // the page was left in the meantime
    video.muted = true;
    video.srcObject = stream;
    video.hidden = false;
    startButton.hidden = true;
    try {
      await video.play();
    } catch {
      giveUp(root.dataset.textNoCamera);
      return;
    }
    running = true;
    scan(detector);
  }

  part("scanner-no-script").hidden = true;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    // No camera API at all (an old browser, or a page not served over HTTPS).
    say(root.dataset.textNoCamera);
    return;
  }
  intro.hidden = false;
  startButton.hidden = false;
  startButton.addEventListener("click", start);
  window.addEventListener("pagehide", stop);
  // Back from another page out of the back/forward cache: the camera is off, offer it again.
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    startButton.hidden = false;
    startButton.disabled = false;
  });
}

if (root) init(root);
