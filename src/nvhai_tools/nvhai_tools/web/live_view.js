// nvhai live view: draws what /ws sends (see live_view_state.py for the fields). No libraries, nothing fetched.
"use strict";

const LABEL_COLOURS = ["#e53935", "#fb8c00", "#1e88e5", "#8e24aa", "#43a047", "#6d4c41"];
const FORECAST_COLOURS = { "0.33": "rgb(255,160,0)", "1.00": "rgb(230,40,40)" };
const AVATAR_BACKGROUND = { celebrate: "rgb(255,236,200)", laugh_along: "rgb(255,250,205)",
  wave_back: "rgb(220,240,255)", attend: "rgb(235,235,235)" };
const MIN_CONFIDENCE = 0.3;
const MAX_GAP_S = 1.0;

// What a test (or a curious person in the console) can read: counters of what was drawn.
const view = window.nvhaiView = { connected: false, updates: 0, frames: 0, frameSeq: -1, skeletonsDrawn: 0,
  forecastsDrawn: 0, avatarsDrawn: 0, emotionsReceived: 0, emotionValues: {}, attended: null };

let layout = null;        // {skeleton: [[a, b], ...], keypoint_names: [...]}
let labels = [];
let windowS = 20;
let forgetS = 2;  // time going back by more than this (a looped bag) drops what lies ahead of it
let lastImage = null;
let last = null;          // newest snapshot
const timelines = new Map();  // person id -> {entries: [{t, p}], row, canvas, values}

function connect() {
  const ws = new WebSocket(`ws://${location.host}/ws`);
  ws.onopen = () => setConnection(true);
  ws.onclose = () => { setConnection(false); setTimeout(connect, 1000); };
  ws.onmessage = (event) => update(JSON.parse(event.data));
}

function setConnection(ok) {
  view.connected = ok;
  const el = document.getElementById("connection");
  el.textContent = ok ? "live" : "disconnected: retrying…";
  el.className = ok ? "ok" : "bad";
}

function update(s) {
  view.updates++;
  layout = s.layout || layout;
  windowS = s.timeline_s || windowS;
  forgetS = s.forget_after_s || forgetS;
  if (s.labels.length) labels = s.labels;
  for (const e of s.emotions) addEmotion(e);
  last = s;
  if (s.frame && s.frame.seq > view.frameSeq) {
    const seq = s.frame.seq;
    const img = new Image();
    img.onload = () => {
      if (seq <= view.frameSeq) return;
      view.frameSeq = seq;
      lastImage = img;
      view.frames++;
      drawCamera();
    };
    img.src = "data:image/jpeg;base64," + s.frame.jpeg;
  } else {
    drawCamera();
  }
  drawAvatar(s.response);
  drawTimelines();
  drawDiagnostics(s.diagnostics);
  document.getElementById("window-s").textContent = Math.round(windowS);
  document.getElementById("counts").textContent = Object.entries(s.counts).map(([k, v]) => `${k} ${v}`).join(" · ");
}

// -- camera ----------------------------------------------------------------------------------------------------

function attendedId(r) {
  if (!r || r.gesture === "idle") return null;  // "idle": nobody is attended (person_id means nothing)
  for (const [key, value] of Object.entries(r)) {  // an attention field, whatever the message calls it
    if (/attend/.test(key) && typeof value === "number") return value;
  }
  return r.person_id;
}

function drawCamera() {
  const canvas = document.getElementById("camera");
  const ctx = canvas.getContext("2d");
  if (lastImage && (canvas.width !== lastImage.width || canvas.height !== lastImage.height)) {
    canvas.width = lastImage.width;
    canvas.height = lastImage.height;
  }
  ctx.fillStyle = "#222";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (lastImage) ctx.drawImage(lastImage, 0, 0);
  if (!last || !layout) return;
  const [iw, ih] = last.image_size;
  const kx = iw ? canvas.width / iw : 1, ky = ih ? canvas.height / ih : 1;
  const attended = attendedId(last.response);
  for (const person of last.people) {
    const pts = person.xy.map(([x, y]) => [x * kx, y * ky]);
    if (person.forecast) {
      for (const [horizon, xy] of Object.entries(person.forecast)) {
        skeleton(ctx, xy.map(([x, y]) => [x * kx, y * ky]), null, FORECAST_COLOURS[horizon] || "#f0f", 1.5);
        view.forecastsDrawn++;
      }
    }
    skeleton(ctx, pts, person.confidence, "rgb(0,230,0)", 3);
    view.skeletonsDrawn++;
    const seen = pts.filter((_, j) => person.confidence[j] > MIN_CONFIDENCE);
    if (!seen.length) continue;
    const xs = seen.map((p) => p[0]), ys = seen.map((p) => p[1]);
    const [x0, y0, x1, y1] = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    if (person.id === attended) {
      ctx.strokeStyle = "rgb(255,235,59)";
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      ctx.strokeRect(x0 - 8, y0 - 8, x1 - x0 + 16, y1 - y0 + 16);
      ctx.setLineDash([]);
    }
    const emotion = last.latest_emotion[String(person.id)];
    const text = `#${person.id}` + (emotion ? ` ${emotion.label} ${Math.round(100 * Math.max(...emotion.probabilities))}%` : "")
      + (person.id === attended ? " ◀ attended" : "");
    ctx.font = "bold 14px system-ui, sans-serif";
    const w = ctx.measureText(text).width;
    const tx = Math.max(2, Math.min(canvas.width - w - 6, x0)), ty = Math.max(18, y0 - 12);
    ctx.fillStyle = "rgba(0,0,0,0.6)";
    ctx.fillRect(tx - 3, ty - 15, w + 6, 19);
    ctx.fillStyle = "#fff";
    ctx.fillText(text, tx, ty);
  }
}

function skeleton(ctx, pts, confidence, colour, width) {
  const ok = (j) => !confidence || confidence[j] > MIN_CONFIDENCE;
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  ctx.lineCap = "round";
  ctx.beginPath();
  for (const [a, b] of layout.skeleton) {
    if (!ok(a) || !ok(b)) continue;
    ctx.moveTo(pts[a][0], pts[a][1]);
    ctx.lineTo(pts[b][0], pts[b][1]);
  }
  ctx.stroke();
  if (confidence) {
    ctx.fillStyle = colour;
    pts.forEach(([x, y], j) => { if (ok(j)) { ctx.beginPath(); ctx.arc(x, y, width, 0, 2 * Math.PI); ctx.fill(); } });
  }
}

// -- avatar (the controller's answer, drawn from NonverbalResponse) ------------------------------------------------

function drawAvatar(r) {
  const canvas = document.getElementById("avatar");
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height;
  ctx.fillStyle = AVATAR_BACKGROUND[r ? r.gesture : "attend"] || AVATAR_BACKGROUND.attend;
  ctx.fillRect(0, 0, w, h);
  if (!r || !layout || !r.pose_x || r.pose_x.length !== layout.keypoint_names.length) return;
  const idx = Object.fromEntries(layout.keypoint_names.map((n, j) => [n, j]));
  const scale = 0.36 * Math.min(w, h);
  const pts = r.pose_x.map((x, j) => [x * scale + w / 2, r.pose_y[j] * scale + h * 0.55]);
  const limb = Math.max(4, 0.04 * Math.min(w, h));
  ctx.strokeStyle = "rgb(70,90,160)";
  ctx.lineWidth = limb;
  ctx.lineCap = "round";
  ctx.beginPath();
  for (const [a, b] of layout.skeleton) {
    if (a < idx.left_shoulder || b < idx.left_shoulder) continue;
    ctx.moveTo(...pts[a]);
    ctx.lineTo(...pts[b]);
  }
  const neck = mid(pts[idx.left_shoulder], pts[idx.right_shoulder]);
  const head = [idx.nose, idx.left_ear, idx.right_ear].map((j) => pts[j]).reduce((s, p) => [s[0] + p[0] / 3, s[1] + p[1] / 3], [0, 0]);
  ctx.moveTo(...neck);
  ctx.lineTo(...head);
  ctx.stroke();
  face(ctx, head, Math.max(10, 0.09 * Math.min(w, h)), r.gesture, r.intensity);
  ctx.fillStyle = "rgb(250,215,180)";
  for (const wrist of ["left_wrist", "right_wrist"]) {
    ctx.beginPath();
    ctx.arc(...pts[idx[wrist]], limb, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.fillStyle = "#282828";
  ctx.font = "15px system-ui, sans-serif";
  ctx.fillText(r.emotion ? `${r.emotion} ${Math.round(100 * r.confidence)}%` : "…", 8, 20);
  ctx.fillStyle = "#5a5a5a";
  ctx.fillText(r.gesture.replace(/_/g, " "), 8, h - 10);
  ctx.fillStyle = "rgb(90,160,90)";
  ctx.fillRect(8, 28, (w - 16) * r.confidence, 6);
  view.avatarsDrawn++;

  const attended = attendedId(r);
  view.attended = attended;
  document.getElementById("attention").textContent =
    `attends person #${attended}: ${r.gesture.replace(/_/g, " ")}` + (r.emotion ? ` (${r.emotion} ${Math.round(100 * r.confidence)}%)` : "");
  const dl = document.getElementById("response");
  dl.replaceChildren();
  for (const [key, value] of Object.entries(r)) {
    if (key === "header" || (Array.isArray(value) && value.length > 8)) continue;
    const dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = key;
    dd.textContent = typeof value === "number" && !Number.isInteger(value) ? value.toFixed(2) : JSON.stringify(value);
    dl.append(dt, dd);
  }
}

function mid(a, b) { return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]; }

function face(ctx, [x, y], r, gesture, intensity) {
  ctx.fillStyle = "rgb(250,215,180)";
  ctx.strokeStyle = "rgb(120,90,70)";
  ctx.lineWidth = 2;
  ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
  ctx.fillStyle = ctx.strokeStyle = "rgb(40,40,40)";
  for (const s of [-1, 1]) {
    ctx.beginPath();
    if (gesture === "laugh_along") ctx.ellipse(x + s * 0.35 * r, y - 0.25 * r, 0.18 * r, 0.1 * r, 0, Math.PI, 2 * Math.PI);
    else ctx.arc(x + s * 0.35 * r, y - 0.25 * r, Math.max(2, 0.1 * r), 0, 2 * Math.PI);
    gesture === "laugh_along" ? ctx.stroke() : ctx.fill();
  }
  const mouth = (0.35 + 0.2 * intensity) * r;
  ctx.beginPath();
  if (gesture === "laugh_along") {
    ctx.fillStyle = "rgb(150,40,50)";
    ctx.ellipse(x, y + 0.3 * r, mouth, (0.2 + 0.2 * intensity) * r, 0, 0, Math.PI);
    ctx.fill();
  } else if (gesture === "attend") {
    ctx.moveTo(x - mouth / 2, y + 0.35 * r); ctx.lineTo(x + mouth / 2, y + 0.35 * r); ctx.stroke();
  } else {
    ctx.ellipse(x, y + 0.2 * r, mouth, (0.15 + 0.2 * intensity) * r, 0, 0.17, Math.PI - 0.17);
    ctx.stroke();
  }
}

// -- emotion timelines -------------------------------------------------------------------------------------------

function addEmotion(e) {
  let newest = -Infinity;
  for (const tl of timelines.values()) if (tl.entries.length) newest = Math.max(newest, tl.entries[tl.entries.length - 1].t);
  if (e.stamp < newest - forgetS) for (const tl of timelines.values()) tl.entries = tl.entries.filter(({ t }) => t <= e.stamp);
  let tl = timelines.get(e.person_id);
  if (!tl) {
    const container = document.getElementById("timelines");
    container.querySelector(".empty")?.remove();
    const row = document.createElement("div");
    row.className = "person";
    row.dataset.person = e.person_id;
    row.innerHTML = `<div class="legend"><b>person #${e.person_id}</b></div><canvas width="800" height="90"></canvas>`;
    container.append(row);
    tl = { entries: [], row, canvas: row.querySelector("canvas"), values: {} };
    timelines.set(e.person_id, tl);
  }
  tl.entries.push({ t: e.stamp, p: e.probabilities });
  view.emotionsReceived++;
  view.emotionValues[e.person_id] = e.probabilities;
  const legend = tl.row.querySelector(".legend");
  labels.forEach((label, k) => {
    let el = tl.values[label];
    if (!el) {
      const line = document.createElement("div");
      line.innerHTML = `<span class="swatch" style="background:${LABEL_COLOURS[k % LABEL_COLOURS.length]}"></span>${label} `;
      el = tl.values[label] = document.createElement("b");
      el.className = "emotion-value";
      el.dataset.label = label;
      line.append(el);
      legend.append(line);
    }
    el.textContent = e.probabilities[k] !== undefined ? e.probabilities[k].toFixed(2) : "–";
  });
}

function drawTimelines() {
  let newest = -Infinity;
  for (const tl of timelines.values()) if (tl.entries.length) newest = Math.max(newest, tl.entries[tl.entries.length - 1].t);
  for (const [pid, tl] of timelines) {
    if (tl.entries.length && tl.entries[0].t < newest - windowS) tl.entries = tl.entries.filter(({ t }) => t >= newest - windowS);
    if (!tl.entries.length) { tl.row.remove(); timelines.delete(pid); continue; }
    const c = tl.canvas, ctx = c.getContext("2d");
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.strokeStyle = "#ddd";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const p of [0.25, 0.5, 0.75]) { ctx.moveTo(0, c.height * p); ctx.lineTo(c.width, c.height * p); }
    ctx.stroke();
    labels.forEach((_, k) => {
      ctx.strokeStyle = LABEL_COLOURS[k % LABEL_COLOURS.length];
      ctx.lineWidth = 2;
      ctx.beginPath();
      tl.entries.forEach(({ t, p }, i) => {
        const x = c.width * (1 - (newest - t) / windowS), y = (c.height - 4) * (1 - p[k]) + 2;
        i && t - tl.entries[i - 1].t < MAX_GAP_S ? ctx.lineTo(x, y) : ctx.moveTo(x, y);  // no line across a gap
      });
      ctx.stroke();
    });
  }
}

// -- status ------------------------------------------------------------------------------------------------------

function drawDiagnostics(statuses) {
  if (!statuses.length) return;
  const body = document.querySelector("#diagnostics tbody");
  body.replaceChildren(...statuses.map((s) => {
    const tr = document.createElement("tr");
    const values = Object.entries(s.values).slice(0, 6).map(([k, v]) => `${k} ${v}`).join(" · ");
    const cls = { OK: "ok", WARN: "warn" }[s.level] || "bad";
    for (const [text, c] of [[s.name, ""], [s.age_s > 5 ? `${s.level} (${s.age_s} s ago)` : s.level, cls],
      [s.message, ""], [values, ""]]) {
      const td = document.createElement("td");
      td.textContent = text;
      if (c) td.className = c;
      tr.append(td);
    }
    return tr;
  }));
}

connect();
