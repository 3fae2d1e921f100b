// The GAN plane of the mode-collapse app: D's output as a heatmap (uint8 bytes), the generator's
// image of a z-grid (float32 bytes, n×n×2), real and generated points (float32 bytes, (x, y)
// pairs) and arrows of G's gradient (float32 bytes, (x, y, dx, dy) per arrow), one canvas.
function render({ model, el }) {
  const wrap = document.createElement("div");
  wrap.className = "explorer-gan-plane";
  wrap.style.cssText = "display:inline-block;font:12px sans-serif;color:#223";
  const title = document.createElement("div");
  title.className = "explorer-gan-plane-title";
  title.style.cssText = "font-weight:bold;margin:2px 0";
  const canvas = document.createElement("canvas");
  canvas.className = "explorer-gan-plane-canvas";
  canvas.style.cssText = "display:block;border:1px solid #99a";
  const heatCanvas = document.createElement("canvas");
  wrap.appendChild(title); wrap.appendChild(canvas);
  el.appendChild(wrap);
  let pending = false;

  function draw() {
    pending = false;
    const size = model.get("size");
    if (canvas.width !== size) { canvas.width = size; canvas.height = size; }
    const [x0, x1, y0, y1] = model.get("extent");
    const sx = (x) => (x - x0) / (x1 - x0) * size;
    const sy = (y) => (y1 - y) / (y1 - y0) * size;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, size, size);
    const hw = model.get("heat_w"), hh = model.get("heat_h");
    const heat = toU8(model.get("heat"), hw * hh);
    if (model.get("show_heat") && hw > 0 && heat.length === hw * hh) {
      heatCanvas.width = hw; heatCanvas.height = hh;
      const hctx = heatCanvas.getContext("2d");
      const img = hctx.createImageData(hw, hh);
      for (let i = 0; i < hh; i++) {
        for (let j = 0; j < hw; j++) {
          const v = heat[(hh - 1 - i) * hw + j] / 255;  // row 0 of the data is the lowest y
          const k = 4 * (i * hw + j);
          img.data[k] = 255 - 150 * v; img.data[k + 1] = 255 - 40 * v;  // white (fake) .. green (real)
          img.data[k + 2] = 255 - 150 * v; img.data[k + 3] = 255;
        }
      }
      hctx.putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(heatCanvas, 0, 0, size, size);
    }
    const n = model.get("warp_n");
    const warp = toF32(model.get("warp"));
    if (model.get("show_warp") && n > 1 && warp.length === n * n * 2) {
      ctx.strokeStyle = "rgba(90,90,90,0.45)"; ctx.lineWidth = 1;
      ctx.beginPath();
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const k = 2 * (i * n + j);
          if (j === 0) ctx.moveTo(sx(warp[k]), sy(warp[k + 1])); else ctx.lineTo(sx(warp[k]), sy(warp[k + 1]));
        }
        for (let j = 0; j < n; j++) {
          const k = 2 * (j * n + i);
          if (j === 0) ctx.moveTo(sx(warp[k]), sy(warp[k + 1])); else ctx.lineTo(sx(warp[k]), sy(warp[k + 1]));
        }
      }
      ctx.stroke();
    }
    const real = toF32(model.get("real"));
    ctx.fillStyle = "rgba(31,119,180,0.55)";
    for (let k = 0; k + 1 < real.length; k += 2) ctx.fillRect(sx(real[k]) - 1, sy(real[k + 1]) - 1, 2, 2);
    const fake = toF32(model.get("fake"));
    ctx.fillStyle = "rgba(214,39,40,0.6)";
    for (let k = 0; k + 1 < fake.length; k += 2) ctx.fillRect(sx(fake[k]) - 1, sy(fake[k + 1]) - 1, 2, 2);
    const arrows = toF32(model.get("arrows"));
    if (model.get("show_arrows")) {
      ctx.strokeStyle = "rgba(20,20,20,0.8)"; ctx.lineWidth = 1;
      ctx.beginPath();
      for (let k = 0; k + 3 < arrows.length; k += 4) {
        const ax = sx(arrows[k]), ay = sy(arrows[k + 1]);
        const bx = sx(arrows[k] + arrows[k + 2]), by = sy(arrows[k + 1] + arrows[k + 3]);
        ctx.moveTo(ax, ay); ctx.lineTo(bx, by);
        const a = Math.atan2(by - ay, bx - ax);
        ctx.lineTo(bx - 4 * Math.cos(a - 0.5), by - 4 * Math.sin(a - 0.5));
        ctx.moveTo(bx, by); ctx.lineTo(bx - 4 * Math.cos(a + 0.5), by - 4 * Math.sin(a + 0.5));
      }
      ctx.stroke();
    }
    title.textContent = model.get("title");
    wrap.dataset.version = String(model.get("version"));
    model.set("painted", model.get("version"));
    model.save_changes();
  }
  function schedule() { if (!pending) { pending = true; requestAnimationFrame(draw); } }
  draw();
  model.on("change:version", schedule);
  model.on("change:size", schedule);
}

export default { render };
