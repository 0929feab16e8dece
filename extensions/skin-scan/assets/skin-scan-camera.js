// The "Skin scan" block's camera view (docs/widget.md, "The camera guide"). Loaded by skin-scan.js only
// when a shopper presses "Use my camera": window.ScanShieldCamera.open(container, { locale, reducedMotion })
// shows the front camera with an oval framing guide and live hints about light and position, and resolves
// with a JPEG Blob (longest side at most 1024 px) when the photo is taken, or null when cancelled. It rejects
// with getUserMedia's own error (NotAllowedError, NotFoundError...) when there is no camera to use.
// The hints come from cheap checks on a 64 px copy of the preview, on this device: no frame leaves it before
// the shutter, and none after it except the one photo the caller uploads.
(() => {
  if (window.ScanShieldCamera) return;
  const MAX_SIDE = 1024;
  const SAMPLE = 64;
  const EVERY_MS = 300;

  const STRINGS = {
    en: {
      video: "Camera preview with an oval guide for your face",
      snap: "Take photo",
      cancel: "Cancel",
      note: "These tips are worked out on your device. Nothing is sent until you take the photo.",
      starting: "Starting the camera…",
      dark: "Too dark. Face a window or a lamp.",
      bright: "Too bright. Move out of direct sunlight or away from the lamp.",
      uneven: "One side of your face is in shadow. Turn to face the light.",
      no_face: "Fit your face inside the oval.",
      several: "Only one face, please.",
      centre: "Move your face to the middle of the oval.",
      closer: "Move a little closer.",
      back: "Move back a little.",
      ok: "Good light and position. Take the photo when you are ready.",
    },
    hi: {
      video: "कैमरे का पूर्वावलोकन, चेहरे के लिए अंडाकार गाइड के साथ",
      snap: "फ़ोटो लें",
      cancel: "रद्द करें",
      note: "ये सुझाव आपके डिवाइस पर ही तैयार होते हैं। फ़ोटो लेने तक कुछ भी नहीं भेजा जाता।",
      starting: "कैमरा चालू हो रहा है…",
      dark: "बहुत अँधेरा है। खिड़की या लैंप की ओर मुँह करें।",
      bright: "बहुत तेज़ रोशनी है। सीधी धूप या लैंप से थोड़ा हटें।",
      uneven: "आपके चेहरे का एक हिस्सा छाया में है। रोशनी की ओर मुँह करें।",
      no_face: "अपना चेहरा अंडाकार के भीतर रखें।",
      several: "कृपया केवल एक चेहरा।",
      centre: "अपना चेहरा अंडाकार के बीच में लाएँ।",
      closer: "थोड़ा पास आएँ।",
      back: "थोड़ा पीछे हटें।",
      ok: "रोशनी और स्थिति ठीक है। तैयार हों तो फ़ोटो लें।",
    },
  };

  const CSS = `
.ssc-view{position:relative;max-width:28rem;aspect-ratio:4/3;max-height:65vh;margin:0 auto;overflow:hidden;background:#000;border-radius:.75rem}
.ssc-view video,.ssc-view svg{position:absolute;inset:0;width:100%;height:100%;object-fit:contain;transform:scaleX(-1)}
.ssc-oval{fill:none;stroke:#fff;stroke-width:3;stroke-dasharray:10 8;vector-effect:non-scaling-stroke}
.ssc[data-ok] .ssc-oval{stroke:#7be0b0;stroke-width:5;stroke-dasharray:none}
.ssc-hint{max-width:28rem;margin:.75rem auto 0;padding:.5rem .75rem;font-weight:600;text-align:center;border-radius:.5rem;background:color-mix(in srgb,var(--ss-accent,#1f4f46) 10%,transparent)}
.ssc-note{max-width:28rem;margin:.5rem auto 0;font-size:.875em;text-align:center}
.ssc .ss-row{justify-content:center}
@media (prefers-reduced-motion:no-preference){.ssc:not([data-still]) .ssc-oval{transition:stroke .3s ease,stroke-width .3s ease}}`;

  /** Rec. 601 luma and chroma of one pixel. */
  const ycc = (r, g, b) => [
    0.299 * r + 0.587 * g + 0.114 * b,
    128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
    128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
  ];

  /** The guide oval in a width × height frame: 70 % of the height tall, 3:4, a little above the middle. */
  const ovalOf = (width, height) => {
    const ry = 0.35 * height;
    return { cx: width / 2, cy: 0.47 * height, rx: Math.min(0.75 * ry, 0.45 * width), ry };
  };

  /**
   * One hint key for one small RGBA frame, or "ok". Light first, measured inside the oval: one half lit
   * and the other 1.6 times darker (about ⅔ stop), then too dark, then too bright, then position: from the face boxes of the
   * browser's FaceDetector when it has one, else from where skin-coloured pixels are (a YCbCr skin range:
   * a rough heuristic that a skin-coloured wall or a jumper can fool; the server's quality gates decide).
   */
  function assess({ data, width, height }, faces) {
    const oval = ovalOf(width, height);
    let n = 0;
    let sumY = 0;
    let clipped = 0;
    const side = [0, 0, 0, 0]; // sum and count, left half then right half of the oval
    let skin = 0;
    let sx = 0;
    let sy = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = 4 * (y * width + x);
        const [Y, cb, cr] = ycc(data[i], data[i + 1], data[i + 2]);
        const inside = ((x + 0.5 - oval.cx) / oval.rx) ** 2 + ((y + 0.5 - oval.cy) / oval.ry) ** 2 <= 1;
        const isSkin = Y > 35 && cr >= 135 && cr <= 180 && cb >= 80 && cb <= 130;
        if (isSkin) {
          skin++;
          sx += x;
          sy += y;
        }
        if (!inside) continue;
        n++;
        sumY += Y;
        if (Y >= 250) clipped++;
        const half = x < oval.cx ? 0 : 2;
        side[half] += Y;
        side[half + 1]++;
      }
    }
    const meanY = sumY / n;
    const lit = Math.max(side[0] / side[1], side[2] / side[3]);
    const shade = Math.min(side[0] / side[1], side[2] / side[3]);
    // One side in shadow is the better hint than "too dark" when the other side is well lit.
    if (lit >= 60 && lit > 1.6 * Math.max(8, shade)) return "uneven";
    if (meanY < 60) return "dark";
    if (meanY > 205 || clipped > 0.25 * n) return "bright";
    let box;
    if (faces) {
      if (faces.length > 1) return "several";
      if (faces.length === 0) return "no_face";
      box = faces[0];
    } else {
      if (skin < 0.02 * width * height) return "no_face";
      box = { cx: sx / skin, cy: sy / skin, area: skin };
    }
    if (Math.abs(box.cx - oval.cx) > 0.15 * width || Math.abs(box.cy - oval.cy) > 0.15 * height) return "centre";
    const fill = box.area / (Math.PI * oval.rx * oval.ry);
    if (fill < 0.35) return "closer";
    if (fill > 1.35) return "back";
    return "ok";
  }

  /** FaceDetector boxes in sample-frame pixels; undefined when the browser has none or it fails. */
  async function detect(detector, video, width) {
    if (!detector) return undefined;
    try {
      const k = width / video.videoWidth;
      return (await detector.detect(video)).map(({ boundingBox: b }) => ({
        cx: (b.x + b.width / 2) * k,
        cy: (b.y + b.height / 2) * k,
        area: b.width * b.height * k * k * 0.8, // an oval face in its box
      }));
    } catch {
      return undefined;
    }
  }

  let current = null;

  /** Stops the camera and resolves the open view with `blob` (null: cancelled). Safe to call twice. */
  function close(blob = null) {
    if (!current) return;
    const view = current;
    current = null;
    clearInterval(view.timer);
    for (const track of view.stream?.getTracks() ?? []) track.stop();
    document.removeEventListener("visibilitychange", view.onHide);
    window.removeEventListener("pagehide", view.onHide);
    view.root.remove();
    view.resolve(blob);
  }

  async function open(container, { locale = "en", reducedMotion } = {}) {
    close(null);
    const strings = STRINGS[String(locale).slice(0, 2)] || STRINGS.en;
    const say = (key) => strings[key] || STRINGS.en[key];
    if (!document.querySelector("style[data-ssc]")) {
      const style = document.createElement("style");
      style.dataset.ssc = "";
      style.textContent = CSS;
      document.head.append(style);
    }
    const root = document.createElement("div");
    root.className = "ssc";
    if (reducedMotion ?? matchMedia("(prefers-reduced-motion: reduce)").matches) root.dataset.still = "";
    root.innerHTML = `<div class="ssc-view"><video muted playsinline></video><svg aria-hidden="true" focusable="false"><defs><mask id="ssc-mask"><rect width="100%" height="100%" fill="#fff"/><ellipse fill="#000"/></mask></defs><rect width="100%" height="100%" fill="rgb(0 0 0 / 45%)" mask="url(#ssc-mask)"/><ellipse class="ssc-oval"/></svg></div><p class="ssc-hint" role="status"></p><p class="ssc-note"></p><div class="ss-row"><button type="button" class="ss-btn" data-ssc="snap"></button><button type="button" class="ss-btn ss-btn--quiet" data-ssc="cancel"></button></div>`;
    const [video, svg, hint, note, snap, cancel] = [
      "video",
      "svg",
      ".ssc-hint",
      ".ssc-note",
      "[data-ssc=snap]",
      "[data-ssc=cancel]",
    ].map((s) => root.querySelector(s));
    video.setAttribute("aria-label", say("video"));
    note.textContent = say("note");
    snap.textContent = say("snap");
    cancel.textContent = say("cancel");
    hint.textContent = say("starting");
    hint.dataset.hint = "starting";
    container.append(root);

    const stream = await navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false })
      .catch((error) => {
        root.remove();
        throw error;
      });
    return new Promise((resolve) => {
      const view = { root, stream, resolve, timer: 0, onHide: () => document.hidden && close(null) };
      current = view;
      document.addEventListener("visibilitychange", view.onHide);
      window.addEventListener("pagehide", view.onHide);
      video.srcObject = stream;
      video.play().catch(() => {});

      const canvas = document.createElement("canvas");
      const context = canvas.getContext("2d", { willReadFrequently: true });
      const detector =
        "FaceDetector" in window ? new window.FaceDetector({ fastMode: true, maxDetectedFaces: 2 }) : null;
      let seen = "";
      let shaped = false;
      /** The view takes the video's shape, and the oval its place in it, as soon as the size is known. */
      const shape = () => {
        const { videoWidth: w, videoHeight: h } = video;
        if (shaped || !w || !h) return;
        shaped = true;
        root.firstChild.style.aspectRatio = `${w} / ${h}`;
        svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
        const o = ovalOf(w, h);
        for (const e of svg.querySelectorAll("ellipse"))
          for (const [k, v] of Object.entries(o)) e.setAttribute(k, String(Math.round(v)));
      };
      video.addEventListener("loadedmetadata", shape, { once: true });
      const check = async () => {
        // The step was hidden or the block removed: the camera goes off with it.
        if (!root.isConnected || !root.offsetParent) return close(null);
        const { videoWidth: w, videoHeight: h } = video;
        if (!w || !h) return;
        shape();
        canvas.width = SAMPLE;
        canvas.height = Math.max(1, Math.round((SAMPLE * h) / w));
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        const frame = context.getImageData(0, 0, canvas.width, canvas.height);
        const key = assess(frame, await detect(detector, video, canvas.width));
        // A hint changes only once two checks in a row agree, so it does not flicker or chatter.
        if (key === seen && key !== hint.dataset.hint && current === view) {
          hint.dataset.hint = key;
          hint.textContent = say(key);
          root.toggleAttribute("data-ok", key === "ok");
        }
        seen = key;
      };
      view.timer = setInterval(check, EVERY_MS);

      root.addEventListener("keydown", (event) => {
        if (event.key !== "Escape") return;
        event.stopPropagation();
        close(null);
      });
      cancel.addEventListener("click", () => close(null));
      const shoot = () => {
        const { videoWidth: w, videoHeight: h } = video;
        const k = Math.min(1, MAX_SIDE / Math.max(w, h));
        const photo = document.createElement("canvas");
        photo.width = Math.round(w * k);
        photo.height = Math.round(h * k);
        photo.getContext("2d").drawImage(video, 0, 0, photo.width, photo.height);
        photo.toBlob((blob) => close(blob), "image/jpeg", 0.9);
      };
      snap.addEventListener("click", () => {
        if (snap.getAttribute("aria-disabled") === "true") return;
        snap.setAttribute("aria-disabled", "true");
        // Pressed before the first frame (a slow camera or phone): take the photo when it arrives,
        // rather than ignoring the press and leaving the shopper waiting on a button that did nothing.
        if (video.videoWidth && video.videoHeight) shoot();
        else video.addEventListener("loadeddata", shoot, { once: true });
      });
      snap.focus();
    });
  }

  window.ScanShieldCamera = { open, close, assess, strings: STRINGS };
})();
