// A grey picture (e.g. a VAE's decoded manifold, many digits tiled) with a square marker on top.
// The picture arrives as one uint8 buffer (height × width, 255 = white ink); the marker is two
// fractions [x, y] of the picture's width and height, so moving it is a tiny message and never
// re-sends the picture. No imports: works offline. toU8 comes from static/bytes.js (wire.esm).
function render({ model, el }) {
  const wrap = document.createElement("div");
  wrap.className = "explorer-manifold";
  wrap.style.cssText = "position:relative;display:inline-block;line-height:0";
  const picture = document.createElement("canvas");
  picture.className = "explorer-manifold-image";
  picture.style.cssText = "display:block;image-rendering:pixelated;border:1px solid #99a;border-radius:3px";
  const overlay = document.createElement("canvas");
  overlay.className = "explorer-manifold-marker";
  overlay.style.cssText = "position:absolute;left:1px;top:1px;pointer-events:none";
  wrap.appendChild(picture);
  wrap.appendChild(overlay);
  el.appendChild(wrap);

  function size() {
    const w = model.get("width"), h = model.get("height");
    const shownW = model.get("display_width") || w;
    const shownH = w > 0 ? Math.round((shownW * h) / w) : 0;
    return [w, h, shownW, shownH];
  }

  function drawMarker() {
    const [, , shownW, shownH] = size();
    if (overlay.width !== shownW || overlay.height !== shownH) { overlay.width = shownW; overlay.height = shownH; }
    const ctx = overlay.getContext("2d");
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    const marker = model.get("marker") || [];
    if (marker.length === 2 && shownW > 0) {
      const cells = Math.max(1, model.get("cells") || 1);
      const side = shownW / cells;
      const x = marker[0] * shownW, y = marker[1] * shownH;
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = "#ff3b30";
      ctx.strokeRect(x - side / 2, y - side / 2, side, side);
      wrap.dataset.marker = marker[0].toFixed(3) + "," + marker[1].toFixed(3);
    } else {
      wrap.dataset.marker = "";
    }
  }

  function drawPicture() {
    const [w, h, shownW, shownH] = size();
    const pixels = toU8(model.get("image"));
    if (w > 0 && h > 0 && pixels.length === w * h) {
      picture.width = w; picture.height = h;
      const img = picture.getContext("2d").createImageData(w, h);
      for (let i = 0; i < w * h; i++) {
        const v = pixels[i];
        img.data[4 * i] = v; img.data[4 * i + 1] = v; img.data[4 * i + 2] = v; img.data[4 * i + 3] = 255;
      }
      picture.getContext("2d").putImageData(img, 0, 0);
      picture.style.width = shownW + "px"; picture.style.height = shownH + "px";
    }
    drawMarker();
    wrap.dataset.version = String(model.get("version"));
  }

  drawPicture();
  model.on("change:version", drawPicture);
  model.on("change:display_width", drawPicture);
  model.on("change:marker", drawMarker);
}

export default { render };
