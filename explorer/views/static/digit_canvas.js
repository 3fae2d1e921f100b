// A 28×28 digit canvas: draw, erase, and paint the clamp mask with the mouse (or a finger).
// The whole pixel and mask buffers are sent to Python on pointer-up (never deltas).
// Clamped pixels are drawn in blue tones, free pixels in grey, so the clamp is always visible.
function render({ model, el }) {
  const scale = model.get("scale") || 10;
  const canvas = document.createElement("canvas");
  canvas.width = SIDE * scale; canvas.height = SIDE * scale;
  canvas.className = "explorer-digit-canvas";
  canvas.style.cssText = "cursor:crosshair;touch-action:none;border:2px solid #445;border-radius:4px;display:block";
  el.appendChild(canvas);
  const ctx = canvas.getContext("2d");

  let pixels = toU8(model.get("pixels"), SIDE * SIDE);
  let mask = toU8(model.get("mask"), SIDE * SIDE);
  let drawing = false;
  let last = null;

  const redraw = () => paintDigit(ctx, pixels, mask, scale, true);
  redraw();

  function applyAt(cx, cy) {
    const tool = model.get("tool");
    const radius = model.get("brush");
    for (let y = Math.floor(cy - radius - 1); y <= Math.ceil(cy + radius + 1); y++) {
      for (let x = Math.floor(cx - radius - 1); x <= Math.ceil(cx + radius + 1); x++) {
        if (x < 0 || y < 0 || x >= SIDE || y >= SIDE) continue;
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        const i = y * SIDE + x;
        if (tool === "draw") {
          const ink = d <= radius ? 255 : d <= radius + 0.9 ? 150 : 0;
          if (ink > pixels[i]) pixels[i] = ink;
        } else if (d <= radius + 0.3) {
          if (tool === "erase") pixels[i] = 0;
          else if (tool === "mask") mask[i] = 1;
          else if (tool === "unmask") mask[i] = 0;
        }
      }
    }
  }

  function position(event) {
    const rect = canvas.getBoundingClientRect();
    return [((event.clientX - rect.left) / rect.width) * SIDE, ((event.clientY - rect.top) / rect.height) * SIDE];
  }

  function strokeTo(p) {
    if (last) {  // fill the gap between two pointer events
      const steps = Math.max(1, Math.ceil(Math.hypot(p[0] - last[0], p[1] - last[1]) * 2));
      for (let s = 1; s <= steps; s++) applyAt(last[0] + ((p[0] - last[0]) * s) / steps, last[1] + ((p[1] - last[1]) * s) / steps);
    } else {
      applyAt(p[0], p[1]);
    }
    last = p;
    redraw();
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (!model.get("editable")) return;
    drawing = true; last = null;
    canvas.setPointerCapture(event.pointerId);
    strokeTo(position(event));
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (drawing) strokeTo(position(event));
  });
  const finish = () => {
    if (!drawing) return;
    drawing = false; last = null;
    model.set("pixels", new DataView(pixels.slice().buffer));
    model.set("mask", new DataView(mask.slice().buffer));
    model.set("strokes", (model.get("strokes") || 0) + 1);
    model.save_changes();
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);

  model.on("change:pixels", () => { if (!drawing) { pixels = toU8(model.get("pixels"), SIDE * SIDE); redraw(); } });
  model.on("change:mask", () => { if (!drawing) { mask = toU8(model.get("mask"), SIDE * SIDE); redraw(); } });
  model.on("change:editable", () => { canvas.style.cursor = model.get("editable") ? "crosshair" : "default"; });
}

export default { render };
