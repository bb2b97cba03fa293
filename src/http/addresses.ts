// Which names and addresses reach this server: loopback (this machine only), wildcard (every network) or
// one other address. The config decides from it whether the console needs a password; the browser guard
// whether a Host header names this server.
import { BlockList, isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** A host name or address without port or brackets, lower-cased, without a trailing dot. */
export function bareHost(host: string): string {
  const h = host.trim().toLowerCase().replace(/\.$/, '');
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/** Whether only programs on this machine can reach an address (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = bareHost(host);
  if (h === 'localhost') return true;
  const family = isIP(h);
  if (family === 4) return loopback.check(h, 'ipv4');
  if (family === 6) return h.startsWith('::ffff:') ? isLoopbackHost(h.slice(7)) : loopback.check(h, 'ipv6');
  return false;
}

/** Whether listening on this address means listening on every address of the machine. */
export function isWildcardHost(host: string): boolean {
  const h = bareHost(host);
  return h === '' || h === '0.0.0.0' || h === '::' || h === '0:0:0:0:0:0:0:0';
}

/**
 * The host names a browser may use to reach a server that listens on `listenHost` (plus the host of a
 * public address in front of it). A name outside this list in a Host header is someone else's name
 * pointed at us: DNS rebinding.
 */
export function servedHostNames(listenHost: string, publicUrl?: string): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1']);
  const listen = bareHost(listenHost);
  if (isWildcardHost(listen)) {
    names.add(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) names.add(bareHost(a.address.replace(/%.*$/, '')));
    }
  } else {
    names.add(listen);
  }
  if (publicUrl) names.add(bareHost(new URL(publicUrl).hostname));
  return names;
}
