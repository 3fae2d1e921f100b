// The one bytes helper of the JS side (concatenated in front of every widget module by
// explorer/views/wire.py): a synced bytes trait arrives as a DataView (or buffer) -> Uint8Array.
function toU8(value, n) {
  if (value instanceof DataView) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
  if (value instanceof ArrayBuffer) return new Uint8Array(value).slice();
  if (value && value.buffer instanceof ArrayBuffer) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
  return new Uint8Array(n || 0);
}

// Float32 bytes (explorer.views.wire.float32_bytes) -> Float32Array.
function toF32(value) {
  const u8 = toU8(value, 0);
  return new Float32Array(u8.buffer, u8.byteOffset, Math.floor(u8.byteLength / 4));
}
