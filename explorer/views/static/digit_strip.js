// A row (or grid) of digits, each with a caption: e.g. the parallel chains of the inpainting app.
// Images arrive as one uint8 buffer (n × 784); clamped pixels (mask) are drawn in blue tones.
function render({ model, el }) {
  const wrap = document.createElement("div");
  wrap.className = "explorer-digit-strip";
  wrap.style.cssText = "display:flex;flex-wrap:wrap;gap:6px;align-items:flex-start";
  el.appendChild(wrap);

  function draw() {
    const n = model.get("n_images");
    const scale = model.get("scale") || 4;
    const images = toU8(model.get("images"), n * SIDE * SIDE);
    const mask = toU8(model.get("mask"), 0);
    const captions = model.get("captions") || [];
    while (wrap.children.length > n) wrap.removeChild(wrap.lastChild);
    for (let k = 0; k < n; k++) {
      let cell = wrap.children[k];
      if (!cell) {
        cell = document.createElement("figure");
        cell.style.cssText = "margin:0;text-align:center;font:13px sans-serif;color:#223";
        const canvas = document.createElement("canvas");
        canvas.className = "explorer-digit-strip-image";
        canvas.style.cssText = "display:block;border:1px solid #99a;border-radius:3px";
        const caption = document.createElement("figcaption");
        caption.className = "explorer-digit-strip-caption";
        caption.style.cssText = "margin-top:3px;white-space:pre";
        cell.appendChild(canvas); cell.appendChild(caption);
        wrap.appendChild(cell);
      }
      const canvas = cell.firstChild;
      if (canvas.width !== SIDE * scale) { canvas.width = SIDE * scale; canvas.height = SIDE * scale; }
      const pixels = images.subarray(k * SIDE * SIDE, (k + 1) * SIDE * SIDE);
      paintDigit(canvas.getContext("2d"), pixels, mask, scale, false);
      cell.lastChild.textContent = captions[k] || "";
    }
    wrap.dataset.version = String(model.get("version"));
    // Acknowledge the painted frame: Python's run loop waits for it (flow control), so frames
    // never queue up in a slow browser and a Pause click is never stuck behind a backlog.
    requestAnimationFrame(() => { model.set("painted", model.get("version")); model.save_changes(); });
  }
  draw();
  model.on("change:version", draw);
  model.on("change:scale", draw);
}

export default { render };
