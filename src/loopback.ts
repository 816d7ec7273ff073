import { isIP } from 'node:net';

/**
 * Whether a URL points at this machine (localhost, 127.0.0.0/8, ::1): only then may it be plain
 * http, since nothing crosses a network that an on-path attacker could read.
 */
function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  if (host === 'localhost' || host === '[::1]') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** https://, or http:// to a loopback host. */
export function isHttpsOrLoopback(url: string): boolean {
  return url.startsWith('https://') || (url.startsWith('http://') && isLoopbackUrl(url));
}
