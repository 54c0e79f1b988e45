// A client address (CF-Connecting-IP) for one request of a test or a
// benchmark: a fresh one each time, so cognate's abuse limits, counted per
// address, never join calls that are not about them. Cloudflare sets the
// header; the local runtime passes a client's through.
import { randomInt } from 'node:crypto';

/** A fresh private IPv4 address (10.0.0.0/8). */
export function anyAddress() {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}
