// Shared by the digit widgets (wire.esm puts bytes.js, with toU8, then this file in front of
// each widget's module).
const SIDE = 28;

function paintDigit(ctx, pixels, mask, scale, showGrid) {
  const img = ctx.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const v = pixels[i] || 0;
    const clamped = mask && mask.length === SIDE * SIDE && mask[i];
    let r = v, g = v, b = v;
    if (clamped) {  // blue tones: off = deep navy, on = light cyan-blue
      r = 18 + (v * 112) / 255; g = 38 + (v * 172) / 255; b = 92 + (v * 163) / 255;
    }
    img.data[4 * i] = r; img.data[4 * i + 1] = g; img.data[4 * i + 2] = b; img.data[4 * i + 3] = 255;
  }
  const off = document.createElement("canvas");
  off.width = SIDE; off.height = SIDE;
  off.getContext("2d").putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, 0, 0, SIDE * scale, SIDE * scale);
  if (showGrid && scale >= 8) {
    ctx.strokeStyle = "rgba(255,255,255,0.06)";
    ctx.lineWidth = 1;
    for (let k = 1; k < SIDE; k++) {
      ctx.beginPath(); ctx.moveTo(k * scale + 0.5, 0); ctx.lineTo(k * scale + 0.5, SIDE * scale); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(0, k * scale + 0.5); ctx.lineTo(SIDE * scale, k * scale + 0.5); ctx.stroke();
    }
  }
}

