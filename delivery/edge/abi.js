// Moving bytes in and out of the edge module (vantage_edge.wasm), shared by the Worker and
// bench.mjs: texts are copied into the module's memory, the export is called, and its output is
// read back.
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// A fresh instance of the module, its one import (random bytes) wired to crypto.getRandomValues.
export function instantiate(edgeModule) {
  const instance = new WebAssembly.Instance(edgeModule, {
    env: {
      random_fill(ptr, len) {
        crypto.getRandomValues(new Uint8Array(instance.exports.memory.buffer, ptr, len));
      },
    },
  });
  return instance.exports;
}

// Calls export `fn` of `wasm` with `texts`; returns its status code and output text.
export function call(wasm, fn, ...texts) {
  const args = [];
  const buffers = [];
  for (const text of texts) {
    const bytes = encoder.encode(text);
    const ptr = wasm.vantage_alloc(bytes.length);
    new Uint8Array(wasm.memory.buffer, ptr, bytes.length).set(bytes);
    args.push(ptr, bytes.length);
    buffers.push([ptr, bytes.length]);
  }
  try {
    const code = fn(...args);
    // Memory may have grown during the call: read through a fresh view.
    const out = new Uint8Array(wasm.memory.buffer, wasm.vantage_output_ptr(), wasm.vantage_output_len());
    return { code, text: decoder.decode(out) };
  } finally {
    for (const [ptr, len] of buffers) wasm.vantage_free(ptr, len);
  }
}

// The body of the module's last answer, copied out.
export function body(wasm) {
  return new Uint8Array(wasm.memory.buffer, wasm.vantage_body_ptr(), wasm.vantage_body_len()).slice();
}
