// Edit-to-preview latency, read by the end-to-end tests.
declare global {
  interface Window {
    __vantageMetrics?: { editToPreview: number[]; editBreakdown: EditBreakdown[]; frameRafFallbacks: number };
  }
}

/**
 * Where one edit's time went (ms): before the backend call, the call, the DOM patch, the paint.
 * Beside them, what the window did meanwhile, from the input event: its own update of the form
 * done (`formUpdated`) and its next paint done (`windowPainted`; -1 when not seen).
 */
export interface EditBreakdown {
  beforeCall: number;
  call: number;
  patch: number;
  paint: number;
  formUpdated: number;
  windowPainted: number;
}

export function initMetrics(): void {
  if (!window.__vantageMetrics) window.__vantageMetrics = { editToPreview: [], editBreakdown: [], frameRafFallbacks: 0 };
}

export function recordEditToPreview(ms: number, breakdown: EditBreakdown): void {
  initMetrics();
  const round = (n: number) => Math.round(n * 100) / 100;
  window.__vantageMetrics!.editToPreview.push(round(ms));
  window.__vantageMetrics!.editBreakdown.push({
    beforeCall: round(breakdown.beforeCall),
    call: round(breakdown.call),
    patch: round(breakdown.patch),
    paint: round(breakdown.paint),
    formUpdated: round(breakdown.formUpdated),
    windowPainted: round(breakdown.windowPainted),
  });
}

/** Counts waits where the frame's window delivered no animation frame (the app's were used). */
export function noteFallback(): void {
  initMetrics();
  window.__vantageMetrics!.frameRafFallbacks += 1;
}
