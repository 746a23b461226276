// Reads the kernel's socket tables (/proc/net/tcp, /proc/net/tcp6): which user owns the
// socket at the other end of a loopback connection. The build agent uses it to serve its own
// process only, on a loopback that the build shares with it. Pure: the caller reads the files.

/** A port as the tables write it: four hex digits after the address. */
function portOf(address: string): number {
  return Number.parseInt(address.slice(address.lastIndexOf(':') + 1), 16);
}

/** The uid owning the socket whose local port is `localPort` and whose peer's port is
 *  `remotePort`, from the text of one or more socket tables; undefined when none matches. */
export function socketOwner(tables: string, localPort: number, remotePort: number): number | undefined {
  for (const line of tables.split('\n')) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid ...
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || !/^\d+:$/.test(f[0]!)) continue;
    if (portOf(f[1]!) === localPort && portOf(f[2]!) === remotePort) return Number(f[7]);
  }
  return undefined;
}
