// The DAE chain's 2-D canvas: faint data, the reconstruction field r(x) − x (and optionally the
// true σ²∇log p_σ) as arrows, ~2,000 particles, and one highlighted chain x → x̃ → h → ω → x′.
// Points arrive as float32 bytes; one canvas repaint per version, acknowledged in frames_painted.
const NAMES = { x: "x", x_tilde: "x̃", omega: "ω (mean ± std)", x_next: "x′" };
const ARROWS = [["x", "x_tilde", "corrupt"], ["x_tilde", "omega", "encode"],
                ["x_tilde", "omega", "decode"], ["omega", "x_next", "sample"]];

function render({ model, el }) {
  const wrap = document.createElement("div");
  wrap.className = "explorer-particles";
  wrap.style.cssText = "position:relative;display:inline-block";
  const canvas = document.createElement("canvas");
  canvas.className = "explorer-particles-canvas";
  canvas.style.cssText = "border:1px solid #99a;border-radius:4px;background:#fff";
  wrap.appendChild(canvas);
  el.appendChild(wrap);
  let pending = false;

  function draw() {
    pending = false;
    const size = model.get("size_px") || 440;
    if (canvas.width !== size) { canvas.width = size; canvas.height = size; }
    const ctx = canvas.getContext("2d");
    const [x0, x1, y0, y1] = model.get("view");
    const sx = size / (x1 - x0), sy = size / (y1 - y0);
    const px = (x) => (x - x0) * sx, py = (y) => size - (y - y0) * sy;
    ctx.clearRect(0, 0, size, size);
    // data, faint
    const data = toF32(model.get("data"));
    ctx.fillStyle = "rgba(120,120,120,0.25)";
    for (let i = 0; i < data.length; i += 2) ctx.fillRect(px(data[i]) - 1, py(data[i + 1]) - 1, 2, 2);
    // arrow fields on the grid
    const n = model.get("grid_n");
    function arrows(values, colour) {
      if (!n || values.length < 2 * n * n) return;
      ctx.strokeStyle = colour; ctx.lineWidth = 1; ctx.beginPath();
      for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
        const k = 2 * (j * n + i);
        const gx = x0 + (i + 0.5) * (x1 - x0) / n, gy = y0 + (j + 0.5) * (y1 - y0) / n;
        const ax = px(gx), ay = py(gy), bx = px(gx + values[k]), by = py(gy + values[k + 1]);
        ctx.moveTo(ax, ay); ctx.lineTo(bx, by);
        const ang = Math.atan2(by - ay, bx - ax), len = Math.hypot(bx - ax, by - ay);
        const head = Math.min(4, len * 0.4);
        ctx.moveTo(bx, by); ctx.lineTo(bx - head * Math.cos(ang - 0.5), by - head * Math.sin(ang - 0.5));
        ctx.moveTo(bx, by); ctx.lineTo(bx - head * Math.cos(ang + 0.5), by - head * Math.sin(ang + 0.5));
      }
      ctx.stroke();
    }
    if (model.get("show_field")) arrows(toF32(model.get("field")), "rgba(31,119,180,0.75)");
    if (model.get("show_score")) arrows(toF32(model.get("score")), "rgba(214,39,40,0.75)");
    // particles
    const p = toF32(model.get("particles"));
    ctx.fillStyle = "rgba(44,160,44,0.7)";
    for (let i = 0; i < p.length; i += 2) ctx.fillRect(px(p[i]) - 1.5, py(p[i + 1]) - 1.5, 3, 3);
    // the highlighted chain
    const chain = model.get("chain") || {};
    const active = model.get("active");
    ctx.font = "13px sans-serif";
    for (const [a, b, name] of ARROWS) {
      if (!chain[a] || !chain[b]) continue;
      if (name === "encode" && active !== "encode") continue;
      const lit = name === active;
      ctx.strokeStyle = lit ? "#d62728" : "#555"; ctx.lineWidth = lit ? 3 : 1.2;
      ctx.setLineDash(lit ? [] : [4, 3]);
      ctx.beginPath(); ctx.moveTo(px(chain[a][0]), py(chain[a][1]));
      ctx.lineTo(px(chain[b][0]), py(chain[b][1])); ctx.stroke();
    }
    ctx.setLineDash([]);
    if (chain.omega && chain.omega_std) {
      ctx.strokeStyle = active === "decode" ? "#d62728" : "#9467bd"; ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.ellipse(px(chain.omega[0]), py(chain.omega[1]), Math.max(1, chain.omega_std[0] * sx),
                  Math.max(1, chain.omega_std[1] * sy), 0, 0, 2 * Math.PI);
      ctx.stroke();
    }
    for (const key of ["x", "x_tilde", "omega", "x_next"]) {
      const q = chain[key];
      if (!q) continue;
      ctx.fillStyle = key === "x_next" ? "#ff7f0e" : key === "omega" ? "#9467bd" : "#111";
      ctx.beginPath(); ctx.arc(px(q[0]), py(q[1]), 5, 0, 2 * Math.PI); ctx.fill();
      ctx.fillStyle = "#111";
      ctx.fillText(NAMES[key], px(q[0]) + 7, py(q[1]) - 7);
    }
    if (chain.h_text) {
      ctx.fillStyle = active === "encode" ? "#d62728" : "#333";
      ctx.fillText(chain.h_text, 8, size - 8);
    }
    wrap.dataset.version = String(model.get("version"));
    // draw() runs inside an animation frame, so this frame is painted right after it: acknowledge
    // now (Python's run loop waits for it — flow control — so frames never queue up).
    model.set("frames_painted", model.get("version")); model.save_changes();
  }
  function schedule() { if (!pending) { pending = true; requestAnimationFrame(draw); } }
  schedule();
  model.on("change:version", schedule);
  model.on("change:show_score", schedule);
  model.on("change:show_field", schedule);
  model.on("change:size_px", schedule);
}

export default { render };
