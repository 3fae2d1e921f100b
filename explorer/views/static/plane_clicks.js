// Clicks and taps on a plotly plot's data area, read from the pointer event itself (plotly's own
// click event carries the last hovered point, which can lag the pointer and is absent on a first
// tap). Listens on the document in the capture phase, so plotly's handlers cannot hide the event,
// and only for the plot with class plot_class inside this widget's own app (app_class).
// Sends {kind: "click", fx, fy, width_px, height_px}: fractions of the data area from its top-left.
function render({ model, el }) {
  el.style.display = "none";
  let down = null;
  function plotArea(target) {
    const app = el.closest("." + model.get("app_class"));
    if (!app || !(target instanceof Element) || !app.contains(target)) return null;
    const plot = target.closest("." + model.get("plot_class"));
    if (!plot) return null;
    return plot.querySelector(".nsewdrag");
  }
  function onDown(e) {
    if (e.isPrimary === false || (e.button !== undefined && e.button > 0)) return;
    const area = plotArea(e.target);
    down = area ? { x: e.clientX, y: e.clientY, area } : null;
  }
  function onUp(e) {
    if (!down || e.isPrimary === false) return;
    const { x, y, area } = down;
    down = null;
    if (Math.hypot(e.clientX - x, e.clientY - y) > 6) return;  // a drag, not a click
    const r = area.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) return;
    const fx = (e.clientX - r.left) / r.width, fy = (e.clientY - r.top) / r.height;
    if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return;
    model.send({ kind: "click", fx, fy, width_px: r.width, height_px: r.height });
    el.dataset.clicks = String(Number(el.dataset.clicks || "0") + 1);
  }
  document.addEventListener("pointerdown", onDown, true);
  document.addEventListener("pointerup", onUp, true);
  return () => {
    document.removeEventListener("pointerdown", onDown, true);
    document.removeEventListener("pointerup", onUp, true);
  };
}

export default { render };
