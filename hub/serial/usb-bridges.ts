// USB-UART bridges that sensor boards carry, by USB vendor:product id. Auto-detection
// attaches only these, so a GPS dongle or a modem on the same machine is left alone.

export interface UsbBridge {
  vendorId: string;
  productId: string;
  /** What to call it in `roomlink ports` and the log. */
  chip: string;
}

export const USB_BRIDGES: readonly UsbBridge[] = [
  { vendorId: '10c4', productId: 'ea60', chip: 'CP210x (Silicon Labs)' },
  { vendorId: '1a86', productId: '7523', chip: 'CH340 (WCH)' },
  { vendorId: '1a86', productId: '55d4', chip: 'CH9102 (WCH)' },
  { vendorId: '1a86', productId: '55d3', chip: 'CH343 (WCH)' },
  { vendorId: '0403', productId: '6001', chip: 'FT232R (FTDI)' },
  { vendorId: '0403', productId: '6010', chip: 'FT2232 (FTDI)' },
  { vendorId: '0403', productId: '6011', chip: 'FT4232 (FTDI)' },
  { vendorId: '0403', productId: '6014', chip: 'FT232H (FTDI)' },
  { vendorId: '0403', productId: '6015', chip: 'FT-X (FTDI)' },
  { vendorId: '303a', productId: '1001', chip: 'ESP32-S3/C3 USB-Serial-JTAG (Espressif)' },
  { vendorId: '303a', productId: '0002', chip: 'ESP32-S2 native USB (Espressif)' },
];

/** The bridge with these ids (hex, any case, with or without 0x), or undefined. */
export function identifyBridge(vendorId: string | undefined, productId: string | undefined): UsbBridge | undefined {
  if (!vendorId || !productId) return undefined;
  const vid = normalizeId(vendorId);
  const pid = normalizeId(productId);
  return USB_BRIDGES.find((b) => b.vendorId === vid && b.productId === pid);
}

function normalizeId(id: string): string {
  return id.toLowerCase().replace(/^0x/, '').padStart(4, '0');
}
