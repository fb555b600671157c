import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

/**
 * Draws the add-on's icon.png (128×128) and logo.png (250×100): an electricity meter's display with a
 * lightning bolt. Drawn in code so the images are reproducible and carry no third-party artwork.
 * Run: node --import tsx tools/make-icons.ts
 */

type Rgba = [number, number, number, number];
type Image = { width: number; height: number; pixels: Uint8Array };

function image(width: number, height: number): Image {
  return { width, height, pixels: new Uint8Array(width * height * 4) };
}

function blend(img: Image, x: number, y: number, [r, g, b, a]: Rgba, coverage = 1): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const i = (y * img.width + x) * 4;
  const p = img.pixels;
  const alpha = (a / 255) * coverage;
  const keep = 1 - alpha;
  const dstA = (p[i + 3] as number) / 255;
  const outA = alpha + dstA * keep;
  const mix = (c: number, d: number): number =>
    outA === 0 ? 0 : Math.round((c * alpha + d * dstA * keep) / outA);
  p[i] = mix(r, p[i] as number);
  p[i + 1] = mix(g, p[i + 1] as number);
  p[i + 2] = mix(b, p[i + 2] as number);
  p[i + 3] = Math.round(outA * 255);
}

/** Fills the shape `inside(x, y)` with 4×4 supersampling for smooth edges. */
function fill(
  img: Image,
  colour: Rgba | ((x: number, y: number) => Rgba),
  inside: (x: number, y: number) => boolean,
): void {
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      let hits = 0;
      for (let sy = 0; sy < 4; sy++)
        for (let sx = 0; sx < 4; sx++) if (inside(x + (sx + 0.5) / 4, y + (sy + 0.5) / 4)) hits++;
      if (hits > 0) blend(img, x, y, typeof colour === 'function' ? colour(x, y) : colour, hits / 16);
    }
  }
}

const roundRect =
  (x0: number, y0: number, x1: number, y1: number, r: number) =>
  (x: number, y: number): boolean => {
    if (x < x0 || x > x1 || y < y0 || y > y1) return false;
    const cx = Math.min(Math.max(x, x0 + r), x1 - r);
    const cy = Math.min(Math.max(y, y0 + r), y1 - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  };

function polygon(points: readonly [number, number][]): (x: number, y: number) => boolean {
  return (x, y) => {
    let inside = false;
    for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
      const [xi, yi] = points[i] as [number, number];
      const [xj, yj] = points[j] as [number, number];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  };
}

function meter(img: Image, ox: number, oy: number, size: number): void {
  const s = size / 128;
  const at = (x: number, y: number): [number, number] => [ox + x * s, oy + y * s];
  const [bx0, by0] = at(4, 4);
  const [bx1, by1] = at(124, 124);
  fill(
    img,
    (_x, y) => [18, 86 + Math.round(((y - oy) / size) * 40), 170, 255],
    roundRect(bx0, by0, bx1, by1, 24 * s),
  );
  const [dx0, dy0] = at(20, 22);
  const [dx1, dy1] = at(108, 62);
  fill(img, [232, 245, 233, 255], roundRect(dx0, dy0, dx1, dy1, 8 * s));
  for (let d = 0; d < 4; d++) {
    const [sx0, sy0] = at(28 + d * 20, 30);
    const [sx1, sy1] = at(40 + d * 20, 54);
    fill(img, [27, 94, 32, 255], roundRect(sx0, sy0, sx1, sy1, 2 * s));
  }
  const bolt: [number, number][] = [
    [70, 68],
    [44, 100],
    [62, 100],
    [54, 122],
    [86, 88],
    [67, 88],
    [78, 68],
  ];
  fill(img, [255, 202, 40, 255], polygon(bolt.map(([x, y]) => at(x, y))));
}

function png(img: Image): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer): number => {
    let c = 0xffffffff;
    for (const b of bytes) c = (crcTable[(c ^ b) & 0xff] as number) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc(Buffer.concat([head.subarray(4), data])));
    return Buffer.concat([head, data, tail]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(img.width, 0);
  header.writeUInt32BE(img.height, 4);
  header[8] = 8;
  header[9] = 6;
  const rows = Buffer.alloc(img.height * (img.width * 4 + 1));
  for (let y = 0; y < img.height; y++) {
    rows[y * (img.width * 4 + 1)] = 0;
    rows.set(img.pixels.subarray(y * img.width * 4, (y + 1) * img.width * 4), y * (img.width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const icon = image(128, 128);
meter(icon, 0, 0, 128);
writeFileSync(new URL('../icon.png', import.meta.url), png(icon));

const logo = image(250, 100);
meter(logo, 8, 4, 92);
// Three bars of rising power beside the meter: the logo's only other element, no text to translate.
for (const [i, h] of [28, 48, 68].entries()) {
  const x0 = 120 + i * 40;
  fill(logo, [18, 106, 190, 255], roundRect(x0, 88 - h, x0 + 26, 88, 5));
}
writeFileSync(new URL('../logo.png', import.meta.url), png(logo));
