"""In-page JavaScript that lists controls a student cannot fully see or read (shared by the layout
test and the benchmarks): outside the viewport's width, cut by an ancestor that hides overflow,
or a button whose text overflows it."""

CLIPPED_CONTROLS_JS = """() => {
  const W = window.innerWidth, out = [];
  const sel = 'button, input, select, canvas, .js-plotly-plot svg.main-svg, .widget-slider, '
    + '.explorer-back-link, .explorer-copy-link, .legend';
  const clips = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.overflowX === 'visible' && cs.overflowY === 'visible') continue;
      const r = el.getBoundingClientRect(), p = a.getBoundingClientRect();
      if (r.right > p.right + 2 || r.left < p.left - 2) return a.className || a.tagName;
    }
    return null;
  };
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    const name = (el.innerText || el.title || el.getAttribute('class') || el.tagName).slice(0, 30);
    if (r.right > W + 1 || r.left < -1) {
      out.push(`${name}: outside the window (${Math.round(r.left)}..${Math.round(r.right)})`);
    }
    const by = clips(el);
    if (by) out.push(`${name}: cut by ${String(by).slice(0, 40)}`);
    if (el.tagName === 'BUTTON' && el.scrollWidth > el.clientWidth + 1) {
      out.push(`${name}: text overflows its button`);
    }
  }
  const pageWidth = document.documentElement.scrollWidth;
  if (pageWidth > W + 1) out.push(`page scrolls sideways (${pageWidth} > ${W})`);
  return out;
}"""
