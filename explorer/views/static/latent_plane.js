// A 2-D latent plane on one canvas (explorer.views.latent_widgets.LatentPlane): a shading (uint8
// bytes, row 0 = lowest z2), points coloured by label (float32 (x, y) pairs + one uint8 label
// each), a dashed square, pins (stars with letters), the A → B segment with its point z_α, and
// contours (float32 polylines) with a cross. Interactive planes report the pointer as fractions
// of the data area: {kind: "hover"|"click", fx, fy, width_px, height_px}; hovers are coalesced
// to one message per animation frame and only sent when the pointer moved to another pixel.
// The kernel decides what a position means (which dot, which z). No imports: works offline.
const MARGIN = { left: 46, right: 10, top: 8, bottom: 42 };
const PICK_PX = 6;

function render({ model, el }) {
  const wrap = document.createElement("div");
  wrap.className = "explorer-latent-plane";
  wrap.style.cssText = "position:relative;display:inline-block;font:13px sans-serif;color:#223";
  const title = document.createElement("div");
  title.className = "explorer-latent-plane-title";
  title.style.cssText = "font-weight:bold;margin:2px 0 2px " + MARGIN.left + "px";
  const holder = document.createElement("div");
  holder.style.cssText = "position:relative";
  const canvas = document.createElement("canvas");
  canvas.className = "explorer-latent-plane-canvas";
  canvas.style.cssText = "display:block";
  const area = document.createElement("div");  // the data area: where the pointer is read
  area.className = "explorer-latent-plane-area";
  area.style.cssText = "position:absolute;cursor:crosshair";
  const tip = document.createElement("div");
  tip.className = "explorer-latent-plane-tip";
  tip.style.cssText = "position:absolute;display:none;pointer-events:none;background:#fff;"
    + "border:1px solid #556;border-radius:3px;padding:1px 5px;white-space:nowrap;font-size:12px";
  const legend = document.createElement("div");
  legend.className = "explorer-latent-plane-legend";
  legend.style.cssText = "display:flex;flex-wrap:wrap;gap:2px 10px;align-items:center;"
    + "margin:2px 0 0 " + MARGIN.left + "px";
  holder.appendChild(canvas); holder.appendChild(area); holder.appendChild(tip);
  wrap.appendChild(title); wrap.appendChild(holder); wrap.appendChild(legend);
  el.appendChild(wrap);
  const shadeCanvas = document.createElement("canvas");
  let pending = false, points = new Float32Array(0), labels = new Uint8Array(0);

  const half = () => model.get("extent") || 4;
  const size = () => model.get("size") || 400;
  const sx = (x) => MARGIN.left + (x + half()) / (2 * half()) * size();
  const sy = (y) => MARGIN.top + (half() - y) / (2 * half()) * size();

  function readData() {
    points = toF32(model.get("points"));
    labels = toU8(model.get("labels"), points.length / 2);
    // the shading: white .. #d3e0f2, kept in its own small canvas until the next version
    const side = model.get("shade_side"), shade = toU8(model.get("shade"), side * side);
    shadeCanvas.width = 1; shadeCanvas.height = 1;
    if (side > 0 && shade.length === side * side) {
      shadeCanvas.width = side; shadeCanvas.height = side;
      const sctx = shadeCanvas.getContext("2d"), img = sctx.createImageData(side, side);
      for (let i = 0; i < side; i++) for (let j = 0; j < side; j++) {
        const v = shade[(side - 1 - i) * side + j] / 255, k = 4 * (i * side + j);
        img.data[k] = 255 - 44 * v; img.data[k + 1] = 255 - 31 * v; img.data[k + 2] = 255 - 13 * v;
        img.data[k + 3] = 255;
      }
      sctx.putImageData(img, 0, 0);
    }
  }

  function drawLegend() {
    legend.textContent = "";
    const name = model.get("legend_title");
    if (!name) { legend.style.display = "none"; return; }
    legend.style.display = "flex";
    const head = document.createElement("span");
    head.textContent = name;
    legend.appendChild(head);
    (model.get("colours") || []).forEach((colour, d) => {
      const item = document.createElement("span");
      item.className = "legend";
      item.style.cssText = "white-space:nowrap";
      const dot = document.createElement("span");
      dot.style.cssText = "display:inline-block;width:9px;height:9px;border-radius:50%;"
        + "margin-right:3px;background:" + colour;
      item.appendChild(dot);
      item.appendChild(document.createTextNode(String(d)));
      legend.appendChild(item);
    });
  }

  function star(ctx, x, y, r) {
    ctx.beginPath();
    for (let k = 0; k < 10; k++) {
      const a = -Math.PI / 2 + k * Math.PI / 5, rr = k % 2 ? r * 0.45 : r;
      ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
    }
    ctx.closePath();
  }

  function draw() {
    pending = false;
    const n = size(), h = half();
    const cssW = MARGIN.left + n + MARGIN.right, cssH = MARGIN.top + n + MARGIN.bottom;
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
      canvas.width = Math.round(cssW * dpr); canvas.height = Math.round(cssH * dpr);
      canvas.style.width = cssW + "px"; canvas.style.height = cssH + "px";
    }
    area.style.left = MARGIN.left + "px"; area.style.top = MARGIN.top + "px";
    area.style.width = n + "px"; area.style.height = n + "px";
    area.style.display = model.get("interactive") ? "block" : "none";
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, cssW, cssH);
    if (shadeCanvas.width > 1) {
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(shadeCanvas, MARGIN.left, MARGIN.top, n, n);
    }
    // axes: frame, ticks, titles
    ctx.strokeStyle = "#99a"; ctx.lineWidth = 1;
    ctx.strokeRect(MARGIN.left + 0.5, MARGIN.top + 0.5, n - 1, n - 1);
    ctx.fillStyle = "#445"; ctx.font = "12px sans-serif";
    const step = h > 4 ? 2 : 1;
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (let t = -Math.floor(h / step) * step; t <= h + 1e-9; t += step) {
      ctx.fillText(String(t).replace("-", "−"), sx(t), MARGIN.top + n + 4);
      ctx.fillRect(sx(t) - 0.5, MARGIN.top + n, 1, 3);
    }
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (let t = -Math.floor(h / step) * step; t <= h + 1e-9; t += step) {
      ctx.fillText(String(t).replace("-", "−"), MARGIN.left - 6, sy(t));
      ctx.fillRect(MARGIN.left - 3, sy(t) - 0.5, 3, 1);
    }
    ctx.font = "14px sans-serif"; ctx.fillStyle = "#223";
    ctx.textAlign = "center"; ctx.textBaseline = "bottom";
    ctx.fillText(model.get("x_label"), MARGIN.left + n / 2, cssH - 2);
    ctx.save(); ctx.translate(13, MARGIN.top + n / 2); ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle"; ctx.fillText(model.get("y_label"), 0, 0); ctx.restore();
    ctx.save();
    ctx.beginPath(); ctx.rect(MARGIN.left, MARGIN.top, n, n); ctx.clip();
    // the points, label by label (the last label on top)
    const colours = model.get("colours") || [];
    const r = model.get("dot_radius");
    const count = Math.min(points.length / 2, labels.length);
    ctx.lineWidth = 0.5; ctx.strokeStyle = "#fff"; ctx.globalAlpha = 0.8;
    for (let d = 0; d < Math.max(1, colours.length); d++) {
      ctx.fillStyle = colours[d] || "#1f77b4";
      ctx.beginPath();
      for (let i = 0; i < count; i++) {
        if (colours.length && labels[i] !== d) continue;
        const x = sx(points[2 * i]), y = sy(points[2 * i + 1]);
        ctx.moveTo(x + r, y); ctx.arc(x, y, r, 0, 2 * Math.PI);
      }
      ctx.fill();
      if (r >= 2.5) ctx.stroke();
    }
    ctx.globalAlpha = 1;
    // the dashed square
    const e = model.get("square");
    if (e > 0) {
      ctx.strokeStyle = "#555"; ctx.lineWidth = 1; ctx.setLineDash([5, 4]);
      ctx.strokeRect(sx(-e), sy(e), sx(e) - sx(-e), sy(-e) - sy(e));
      ctx.setLineDash([]);
    }
    // the A → B segment and z_α
    const seg = model.get("segment") || [];
    if (seg.length === 4) {
      ctx.strokeStyle = "#000"; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo(sx(seg[0]), sy(seg[1])); ctx.lineTo(sx(seg[2]), sy(seg[3]));
      ctx.stroke();
    }
    // pins: yellow stars, letters above
    const pins = toF32(model.get("pins")), letters = model.get("pin_letters") || [];
    ctx.textAlign = "center"; ctx.textBaseline = "bottom"; ctx.font = "15px sans-serif";
    for (let i = 0; 2 * i + 1 < pins.length; i++) {
      const x = sx(pins[2 * i]), y = sy(pins[2 * i + 1]);
      star(ctx, x, y, 7.5);
      ctx.fillStyle = "#ffd60a"; ctx.fill();
      ctx.strokeStyle = "#000"; ctx.lineWidth = 1.2; ctx.stroke();
      if (letters[i]) { ctx.fillStyle = "#000"; ctx.fillText(letters[i], x, y - 8); }
    }
    const zAlpha = model.get("marker") || [];
    if (zAlpha.length === 2) {
      ctx.beginPath(); ctx.arc(sx(zAlpha[0]), sy(zAlpha[1]), 5, 0, 2 * Math.PI);
      ctx.fillStyle = "#fff"; ctx.fill(); ctx.strokeStyle = "#000"; ctx.lineWidth = 2.5; ctx.stroke();
    }
    // contours (dotted first, as sent) and the cross
    const contours = toF32(model.get("contours")), m = model.get("contour_points");
    const dashes = model.get("contour_dashes") || [];
    ctx.strokeStyle = "#111";
    for (let c = 0; m > 1 && (c + 1) * m * 2 <= contours.length; c++) {
      const dotted = !!dashes[c];
      ctx.lineWidth = dotted ? 1.5 : 2; ctx.setLineDash(dotted ? [2, 3] : []);
      ctx.beginPath();
      for (let k = 0; k < m; k++) {
        const j = 2 * (c * m + k);
        if (k === 0) ctx.moveTo(sx(contours[j]), sy(contours[j + 1]));
        else ctx.lineTo(sx(contours[j]), sy(contours[j + 1]));
      }
      ctx.stroke();
    }
    ctx.setLineDash([]);
    const cross = model.get("cross") || [];
    if (cross.length === 2) {
      const x = sx(cross[0]), y = sy(cross[1]);
      ctx.strokeStyle = "#111"; ctx.lineWidth = 2.5; ctx.beginPath();
      ctx.moveTo(x - 5, y - 5); ctx.lineTo(x + 5, y + 5); ctx.moveTo(x - 5, y + 5); ctx.lineTo(x + 5, y - 5);
      ctx.stroke();
    }
    ctx.restore();
    title.textContent = model.get("title");
    title.style.display = model.get("title") ? "block" : "none";
    wrap.dataset.points = String(count);
    wrap.dataset.pins = letters.join("");
    wrap.dataset.version = String(model.get("version"));
  }
  function schedule() { if (!pending) { pending = true; requestAnimationFrame(draw); } }

  // -- pointer: hovers (coalesced per frame) and clicks (press and release within 6 px) ------
  let last = null, queued = null, down = null;
  function where(e) {
    const r = area.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) return null;
    const fx = (e.clientX - r.left) / r.width, fy = (e.clientY - r.top) / r.height;
    if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return null;
    return { fx, fy, width_px: r.width, height_px: r.height,
             px: Math.round(e.clientX - r.left), py: Math.round(e.clientY - r.top) };
  }
  function nearest(p) {  // the dot under the pointer, for the tooltip (the kernel picks alike)
    let best = -1, bestD = PICK_PX * PICK_PX;
    for (let i = 0; 2 * i + 1 < points.length; i++) {
      const dx = sx(points[2 * i]) - MARGIN.left - p.fx * size();
      const dy = sy(points[2 * i + 1]) - MARGIN.top - p.fy * size();
      const d = dx * dx + dy * dy;
      if (d <= bestD) { bestD = d; best = i; }
    }
    return best;
  }
  function sendHover() {
    const p = queued; queued = null;
    if (!p || (last && last.px === p.px && last.py === p.py)) return;
    last = p;
    model.send({ kind: "hover", fx: p.fx, fy: p.fy, width_px: p.width_px, height_px: p.height_px });
    const i = nearest(p), names = model.get("point_names");
    if (i >= 0 && names) {
      tip.textContent = names.replace("{i}", String(i)).replace("{label}", String(labels[i]));
      tip.style.left = (MARGIN.left + p.px + 10) + "px"; tip.style.top = (MARGIN.top + p.py - 24) + "px";
      tip.style.display = "block";
    } else tip.style.display = "none";
    el.dataset.hovers = String(Number(el.dataset.hovers || "0") + 1);
  }
  area.addEventListener("pointermove", (e) => {
    if (e.pointerType === "touch") return;
    const p = where(e);
    if (!p) return;
    if (!queued) requestAnimationFrame(sendHover);
    queued = p;
  });
  area.addEventListener("pointerleave", () => { tip.style.display = "none"; });
  area.addEventListener("pointerdown", (e) => {
    if (e.isPrimary === false || (e.button !== undefined && e.button > 0)) return;
    down = { x: e.clientX, y: e.clientY };
  });
  area.addEventListener("pointerup", (e) => {
    if (!down || e.isPrimary === false) return;
    const moved = Math.hypot(e.clientX - down.x, e.clientY - down.y);
    down = null;
    const p = where(e);
    if (moved > 6 || !p) return;  // a drag, not a click
    model.send({ kind: "click", fx: p.fx, fy: p.fy, width_px: p.width_px, height_px: p.height_px });
    el.dataset.clicks = String(Number(el.dataset.clicks || "0") + 1);
  });
  area.addEventListener("pointercancel", () => { down = null; });
  // for tests and benchmarks: where point i is drawn, in the page's client pixels
  wrap.explorerPointAt = (i) => {
    const r = canvas.getBoundingClientRect();
    return [r.left + sx(points[2 * i]), r.top + sy(points[2 * i + 1])];
  };

  readData(); drawLegend(); draw();
  model.on("change:version", () => { readData(); schedule(); });
  model.on("change:colours", () => { drawLegend(); schedule(); });
  model.on("change:legend_title", drawLegend);
  for (const name of ["pins", "pin_letters", "segment", "marker", "contours", "cross", "title",
                      "x_label", "y_label", "size", "square", "interactive"]) {
    model.on("change:" + name, schedule);
  }
}

export default { render };
