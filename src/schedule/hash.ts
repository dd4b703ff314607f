/**
 * The per-job hash seed of SPEC §4.1: CRC-32 (zlib/PNG polynomial, unsigned) of the job name's
 * UTF-8 bytes, and the sub-second offset derived from it.
 */

const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

const encoder = new TextEncoder();

/** Unsigned CRC-32 (as zlib.crc32 / Python's binascii.crc32) of the UTF-8 bytes of `text`. */
export function crc32(text: string | Uint8Array): number {
  let c = 0xffffffff;
  if (typeof text === 'string' && isAscii(text)) {
    // ASCII is its own UTF-8: no encoding needed (one job name per row of a listing).
    for (let i = 0; i < text.length; i++) c = (TABLE[(c ^ text.charCodeAt(i)) & 0xff] as number) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  }
  const bytes = typeof text === 'string' ? encoder.encode(text) : text;
  for (const b of bytes) c = (TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** The sub-second offset added to every fire time of a job: `crc32(name) / 4294967295` s. */
export function hashOffset(jobName: string): number {
  return crc32(jobName) / 4294967295;
}
