// The saddle-point app's picture (explorer/views/saddle/canvas.py): the (a, b) plane (shading of v,
// level sets, arrows of −F, clip lines, circle, trajectories, heads, start; a click sets the start)
// and ‖z_t‖ on a log axis with the closed forms as dots. Static layers are drawn once into an
// offscreen canvas per change; a frame repaints trajectories, heads and norms over it, in
// requestAnimationFrame, and acknowledges its version in `painted`.
const SUP = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
const M = { l: 64, r: 14, t: 10, b: 50 };  // margins around each plot area (CSS px)
const STATIC = ["shade", "shade_n", "shade_opacity", "levels", "arrows", "half", "x_title",
                "y_title"];

function power(k) { return "10" + String(k).split("").map((c) => SUP[c] || c).join(""); }

function niceStep(span, n) {
  const raw = span / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * mag >= raw) return f * mag;
  return 10 * mag;
}

function render({ model, el }) {
  const wrap = document.createElement("div");
  wrap.className = "explorer-saddle-canvas";
  wrap.style.cssText = "font:15px sans-serif;color:#222;max-width:100%";
  const row = document.createElement("div");
  row.style.cssText = "display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start";
  function panel(cls) {
    const box = document.createElement("div");
    box.className = cls;
    box.style.cssText = "position:relative;max-width:100%";
    const title = document.createElement("div");
    title.className = cls + "-title";
    title.style.cssText = "font-size:16px;margin:2px 0 4px " + M.l + "px";
    const canvas = document.createElement("canvas");
    canvas.className = cls + "-canvas";
    canvas.style.cssText = "display:block;max-width:100%";
    const tip = document.createElement("div");
    tip.className = "explorer-saddle-tip";
    tip.style.cssText = "position:absolute;display:none;pointer-events:none;background:#fff;"
      + "border:1px solid #888;border-radius:3px;padding:2px 5px;font-size:13px;white-space:nowrap";
    box.append(title, canvas, tip);
    row.appendChild(box);
    return { box, title, canvas, tip };
  }
  const plane = panel("explorer-saddle-plane");
  const norms = panel("explorer-saddle-norms");
  plane.canvas.style.cursor = "crosshair";
  const legend = document.createElement("div");
  legend.className = "explorer-saddle-legend legend";
  legend.style.cssText = "display:flex;flex-wrap:wrap;gap:4px 18px;margin:6px 0 0 " + M.l
    + "px;font-size:14px;max-width:100%";
  wrap.append(row, legend);
  el.appendChild(wrap);

  const bg = document.createElement("canvas");  // the plane's static layers
  const shadeCanvas = document.createElement("canvas");
  const hidden = new Set();  // legend entries clicked off (view only, like plotly's legend)
  let side = 0, dpr = 1, bgDirty = true, pending = false;
  let normGeom = null;

  // -- geometry ------------------------------------------------------------------------------
  function layout() {
    const W = Math.floor(el.getBoundingClientRect().width || 900);
    const panelW = W >= 720 ? Math.min(620, Math.floor((W - 14) / 2)) : Math.min(620, W - 2);
    const s = Math.max(160, panelW - M.l - M.r);
    const ratio = window.devicePixelRatio || 1;
    if (s === side && ratio === dpr) return false;
    side = s; dpr = ratio;
    for (const c of [plane.canvas, norms.canvas, bg]) {
      c.width = Math.round((side + M.l + M.r) * dpr);
      c.height = Math.round((side + M.t + M.b) * dpr);
      c.style.width = (side + M.l + M.r) + "px";
      c.style.height = (side + M.t + M.b) + "px";
    }
    plane.title.style.maxWidth = norms.title.style.maxWidth = side + "px";
    plane.canvas.dataset.plot = `${M.l},${M.t},${side}`;  // the plot area (CSS px; tests)
    bgDirty = true;
    return true;
  }
  const half = () => model.get("half");
  const pa = (a) => M.l + (a + half()) / (2 * half()) * side;
  const pb = (b) => M.t + (half() - b) / (2 * half()) * side;

  function polyline(ctx, xy, px, py) {  // NaN-separated (x, y) pairs
    ctx.beginPath();
    let pen = false;
    for (let k = 0; k + 1 < xy.length; k += 2) {
      const x = xy[k], y = xy[k + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) { pen = false; continue; }
      if (pen) ctx.lineTo(px(x), py(y)); else { ctx.moveTo(px(x), py(y)); pen = true; }
    }
    ctx.stroke();
  }

  function axisTitles(ctx, xt, yt) {
    ctx.fillStyle = "#222"; ctx.font = "15px sans-serif"; ctx.textAlign = "center";
    ctx.textBaseline = "alphabetic";
    ctx.fillText(xt, M.l + side / 2, M.t + side + M.b - 8, side);
    ctx.save(); ctx.translate(16, M.t + side / 2); ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle"; ctx.fillText(yt, 0, 0, side); ctx.restore();
  }

  // -- the plane's static layers -------------------------------------------------------------
  function drawBackground() {
    bgDirty = false;
    const ctx = bg.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, side + M.l + M.r, side + M.t + M.b);
    ctx.fillStyle = "#fff"; ctx.fillRect(M.l, M.t, side, side);
    const n = model.get("shade_n"), rgb = toU8(model.get("shade"), n * n * 3);
    if (n > 0 && rgb.length === n * n * 3) {
      shadeCanvas.width = n; shadeCanvas.height = n;
      const sctx = shadeCanvas.getContext("2d"), img = sctx.createImageData(n, n);
      for (let i = 0; i < n * n; i++) {
        img.data[4 * i] = rgb[3 * i]; img.data[4 * i + 1] = rgb[3 * i + 1];
        img.data[4 * i + 2] = rgb[3 * i + 2]; img.data[4 * i + 3] = 255;
      }
      sctx.putImageData(img, 0, 0);
      ctx.globalAlpha = model.get("shade_opacity"); ctx.imageSmoothingEnabled = true;
      ctx.drawImage(shadeCanvas, M.l, M.t, side, side);
      ctx.globalAlpha = 1;
    }
    ctx.save(); ctx.beginPath(); ctx.rect(M.l, M.t, side, side); ctx.clip();
    ctx.strokeStyle = "#999"; ctx.lineWidth = 1;  // zero lines
    ctx.beginPath(); ctx.moveTo(pa(0), M.t); ctx.lineTo(pa(0), M.t + side);
    ctx.moveTo(M.l, pb(0)); ctx.lineTo(M.l + side, pb(0)); ctx.stroke();
    ctx.strokeStyle = "#8a8a8a"; ctx.lineWidth = 0.8;
    polyline(ctx, toF32(model.get("levels")), pa, pb);
    if (!hidden.has("arrows")) {
      ctx.strokeStyle = "#8a94a6"; ctx.lineWidth = 1.2;
      polyline(ctx, toF32(model.get("arrows")), pa, pb);
    }
    ctx.restore();
    ctx.strokeStyle = "#444"; ctx.lineWidth = 1; ctx.strokeRect(M.l, M.t, side, side);
    ctx.fillStyle = "#222"; ctx.font = "13px sans-serif";
    const h = half();
    for (let v = -Math.floor(h); v <= h + 1e-9; v += 1) {
      ctx.beginPath(); ctx.moveTo(pa(v), M.t + side); ctx.lineTo(pa(v), M.t + side + 5);
      ctx.moveTo(M.l - 5, pb(v)); ctx.lineTo(M.l, pb(v)); ctx.stroke();
      ctx.textAlign = "center"; ctx.textBaseline = "top";
      ctx.fillText(v < 0 ? "−" + -v : String(v), pa(v), M.t + side + 7);
      ctx.textAlign = "right"; ctx.textBaseline = "middle";
      ctx.fillText(v < 0 ? "−" + -v : String(v), M.l - 8, pb(v));
    }
    axisTitles(ctx, model.get("x_title"), model.get("y_title"));
  }

  // -- the norm panel's axes -----------------------------------------------------------------
  function normAxes(ctx) {
    const steps = Math.max(1, model.get("steps"));
    const [lo, hi] = model.get("log_range");
    const tx = (t) => M.l + t / steps * side;
    const ty = (y) => M.t + (hi - Math.log10(y)) / (hi - lo) * side;
    normGeom = { tx, ty, steps, lo, hi };
    ctx.fillStyle = "#fff"; ctx.fillRect(M.l, M.t, side, side);
    ctx.strokeStyle = "#444"; ctx.lineWidth = 1; ctx.strokeRect(M.l, M.t, side, side);
    ctx.fillStyle = "#222"; ctx.font = "13px sans-serif";
    const dt = niceStep(steps, 5);
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (let t = 0; t <= steps + 1e-9; t += dt) {
      ctx.beginPath(); ctx.moveTo(tx(t), M.t + side); ctx.lineTo(tx(t), M.t + side + 5); ctx.stroke();
      ctx.fillText(String(Math.round(t * 100) / 100), tx(t), M.t + side + 7);
    }
    const every = Math.max(1, Math.ceil((hi - lo) / 8));
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    const tick = (e, label, grid) => {  // a tick at 10^e
      const y = M.t + (hi - e) / (hi - lo) * side;
      if (y < M.t - 0.5 || y > M.t + side + 0.5) return;
      ctx.strokeStyle = grid; ctx.beginPath(); ctx.moveTo(M.l, y); ctx.lineTo(M.l + side, y);
      ctx.stroke(); ctx.strokeStyle = "#444";
      ctx.beginPath(); ctx.moveTo(M.l - (label ? 5 : 3), y); ctx.lineTo(M.l, y); ctx.stroke();
      if (label) ctx.fillText(label, M.l - 8, y);
    };
    for (let k = Math.floor(lo / every) * every; k <= hi; k += every) {
      tick(k, power(k), "#e4e4e4");
      if (hi - lo > 4) continue;  // few decades: 2·10ᵏ … 9·10ᵏ too, 2 and 5 named
      for (let m = 2; m <= 9; m++) {
        tick(k + Math.log10(m), m === 2 || m === 5 ? m + "·" + power(k) : "", "#f4f4f4");
      }
    }
    axisTitles(ctx, "step t", "‖z_t‖");
  }

  // per method: [method, Float32Array slice of (x, y) pairs]
  function split(blob, counts) {
    const xy = toF32(blob), out = [];
    let at = 0;
    model.get("methods").forEach((m, i) => {
      const n = counts[i] || 0;
      out.push([m, xy.subarray(2 * at, 2 * (at + n))]);
      at += n;
    });
    return out;
  }

  // -- one paint -----------------------------------------------------------------------------
  function draw() {
    pending = false;
    layout();
    if (bgDirty) drawBackground();
    const W = side + M.l + M.r, H = side + M.t + M.b;
    const colours = model.get("colours");
    // the plane
    let ctx = plane.canvas.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, plane.canvas.width, plane.canvas.height);
    ctx.drawImage(bg, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.save(); ctx.beginPath(); ctx.rect(M.l, M.t, side, side); ctx.clip();
    const c = model.get("clip");
    if (c > 0 && !hidden.has("clip")) {
      ctx.strokeStyle = "#b42318"; ctx.lineWidth = 1.5; ctx.setLineDash([2, 3]);
      ctx.beginPath(); ctx.moveTo(M.l, pb(c)); ctx.lineTo(M.l + side, pb(c));
      ctx.moveTo(M.l, pb(-c)); ctx.lineTo(M.l + side, pb(-c)); ctx.stroke();
    }
    const [sa, sb] = model.get("start");
    if (!hidden.has("circle")) {
      ctx.strokeStyle = "#444"; ctx.lineWidth = 1.5; ctx.setLineDash([6, 5]);
      const r = Math.hypot(sa, sb) / (2 * half()) * side;
      ctx.beginPath(); ctx.arc(pa(0), pb(0), r, 0, 2 * Math.PI); ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.lineWidth = 2.6; ctx.lineJoin = "round";
    for (const [m, xy] of split(model.get("traj"), model.get("traj_counts"))) {
      if (hidden.has(m)) continue;
      ctx.strokeStyle = colours[m]; polyline(ctx, xy, pa, pb);
    }
    const heads = toF32(model.get("heads"));
    model.get("methods").forEach((m, i) => {
      if (hidden.has(m) || 2 * i + 1 >= heads.length) return;
      ctx.fillStyle = colours[m]; ctx.strokeStyle = "#fff"; ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.arc(pa(heads[2 * i]), pb(heads[2 * i + 1]), 6, 0, 2 * Math.PI);
      ctx.fill(); ctx.stroke();
    });
    ctx.restore();
    if (!hidden.has("start")) {
      ctx.strokeStyle = "#000"; ctx.lineWidth = 3;
      const x = pa(sa), y = pb(sb), d = 5.5;
      ctx.beginPath(); ctx.moveTo(x - d, y - d); ctx.lineTo(x + d, y + d);
      ctx.moveTo(x - d, y + d); ctx.lineTo(x + d, y - d); ctx.stroke();
    }
    // the norms
    ctx = norms.canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    normAxes(ctx);
    const { tx, ty } = normGeom;
    ctx.save(); ctx.beginPath(); ctx.rect(M.l, M.t, side, side); ctx.clip();
    ctx.lineWidth = 2.6; ctx.lineJoin = "round";
    for (const [m, xy] of split(model.get("norm"), model.get("norm_counts"))) {
      if (hidden.has(m)) continue;
      ctx.strokeStyle = colours[m]; polyline(ctx, xy, tx, (y) => (y > 0 ? ty(y) : NaN));
    }
    for (const [m, xy] of split(model.get("pred"), model.get("pred_counts"))) {  // on top
      if (hidden.has(m)) continue;
      ctx.fillStyle = colours[m];
      for (let k = 0; k + 1 < xy.length; k += 2) {
        ctx.beginPath(); ctx.arc(tx(xy[k]), ty(xy[k + 1]), 2, 0, 2 * Math.PI); ctx.fill();
      }
    }
    ctx.restore();
    plane.title.textContent = model.get("plane_title");
    norms.title.textContent = model.get("norm_title");
    wrap.dataset.version = String(model.get("version"));
    wrap.dataset.paints = String(Number(wrap.dataset.paints || "0") + 1);
    // draw() runs inside an animation frame: the browser paints right after it (flow control)
    model.set("painted", model.get("version"));
    model.save_changes();
  }
  function schedule() { if (!pending) { pending = true; requestAnimationFrame(draw); } }

  // -- the legend (HTML, so it wraps on a narrow screen; a click hides or shows an entry) -----
  function swatch(kind, colour) {
    const s = document.createElement("span");
    s.style.cssText = "display:inline-block;width:26px;margin-right:6px;vertical-align:middle;"
      + (kind === "x" ? "text-align:center;font-weight:bold"
        : `border-top:${kind === "dash" ? "2px dashed" : kind === "dot" ? "2px dotted" : "3px solid"} ${colour}`);
    if (kind === "x") s.textContent = "✕";
    return s;
  }
  function buildLegend() {
    const words = model.get("legend"), labels = model.get("labels"), colours = model.get("colours");
    const entries = [["arrows", "line", "#8a94a6", words.arrows]];
    if (model.get("clip") > 0) entries.push(["clip", "dot", "#b42318", words.clip]);
    entries.push(["circle", "dash", "#444", words.circle]);
    for (const m of model.get("methods")) entries.push([m, "line", colours[m], labels[m]]);
    entries.push(["start", "x", "#000", words.start]);
    legend.replaceChildren(...entries.map(([key, kind, colour, text]) => {
      const item = document.createElement("span");
      item.className = "explorer-saddle-legend-item";
      item.dataset.key = key;
      item.style.cssText = "cursor:pointer;white-space:nowrap;user-select:none"
        + (hidden.has(key) ? ";opacity:0.4" : "");
      item.append(swatch(kind, colour), document.createTextNode(text || ""));
      item.addEventListener("click", () => {
        if (hidden.has(key)) hidden.delete(key); else hidden.add(key);
        bgDirty = true; buildLegend(); schedule();
      });
      return item;
    }));
  }

  // -- pointer: hover read-outs and clicks on the plane ----------------------------------------
  function local(canvas, e) {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * (side + M.l + M.r) / r.width,
            (e.clientY - r.top) * (side + M.t + M.b) / r.height];
  }
  function inside([x, y]) { return x >= M.l && x <= M.l + side && y >= M.t && y <= M.t + side; }
  function toData([x, y]) {
    return [((x - M.l) / side * 2 - 1) * half(), (1 - (y - M.t) / side * 2) * half()];
  }
  function showTip(p, canvas, html) {
    const box = p.box.getBoundingClientRect(), r = canvas.getBoundingClientRect();
    p.tip.innerHTML = html; p.tip.style.display = "block";
    p.tip.style.left = Math.min(r.width - 10, Math.max(0, p.at[0] - box.left + 12)) + "px";
    p.tip.style.top = (p.at[1] - box.top + 12) + "px";
  }
  plane.canvas.addEventListener("pointermove", (e) => {
    const q = local(plane.canvas, e);
    if (!inside(q)) { plane.tip.style.display = "none"; return; }
    const step = 2 * half() / 60, [a, b] = toData(q).map((v) => Math.round(v / step) * step);
    plane.at = [e.clientX, e.clientY];
    showTip(plane, plane.canvas, `start here: (${a.toFixed(1)}, ${b.toFixed(1)})`);
  });
  norms.canvas.addEventListener("pointermove", (e) => {
    const [x, y] = local(norms.canvas, e);
    let best = null, dist = 12;
    if (normGeom && inside([x, y])) {
      for (const [m, xy] of split(model.get("norm"), model.get("norm_counts"))) {
        if (hidden.has(m)) continue;
        for (let k = 0; k + 1 < xy.length; k += 2) {
          if (!(xy[k + 1] > 0)) continue;
          const d = Math.hypot(normGeom.tx(xy[k]) - x, normGeom.ty(xy[k + 1]) - y);
          if (d < dist) { dist = d; best = [m, xy[k], xy[k + 1]]; }
        }
      }
    }
    if (!best) { norms.tip.style.display = "none"; return; }
    const label = document.createElement("b"); label.textContent = model.get("labels")[best[0]];
    norms.at = [e.clientX, e.clientY];
    showTip(norms, norms.canvas,
            `${label.outerHTML}<br>t=${best[1]} ‖z‖=${Number(best[2].toPrecision(3))}`);
  });
  for (const p of [plane, norms]) {
    p.canvas.addEventListener("pointerleave", () => { p.tip.style.display = "none"; });
  }
  let down = null;
  plane.canvas.addEventListener("pointerdown", (e) => {
    if (e.isPrimary === false || e.button > 0) { down = null; return; }
    down = [e.clientX, e.clientY];
  });
  plane.canvas.addEventListener("pointerup", (e) => {
    if (!down || e.isPrimary === false) return;
    const moved = Math.hypot(e.clientX - down[0], e.clientY - down[1]);
    down = null;
    const q = local(plane.canvas, e);
    if (moved > 6 || !inside(q)) return;  // a drag, or outside the plot area
    const [a, b] = toData(q);
    model.send({ kind: "click", a, b });
    wrap.dataset.clicks = String(Number(wrap.dataset.clicks || "0") + 1);
  });

  const resize = new ResizeObserver(() => { if (layout()) schedule(); });
  resize.observe(el);
  for (const name of STATIC) model.on("change:" + name, () => { bgDirty = true; });
  for (const name of ["legend", "labels", "methods", "clip"]) model.on("change:" + name, buildLegend);
  model.on("change:version", schedule);
  layout();
  buildLegend();
  schedule();
  return () => resize.disconnect();
}

export default { render };
