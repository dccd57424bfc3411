export const DEVICES = [
  { id: 'mobile', label: 'Mobile', width: 390 },
  { id: 'tablet', label: 'Tablet', width: 768 },
  { id: 'desktop', label: 'Desktop', width: 1280 },
] as const;
export type DeviceId = (typeof DEVICES)[number]['id'];

export function deviceWidth(id: DeviceId): number {
  return DEVICES.find((d) => d.id === id)?.width ?? 1280;
}
