import { test } from 'node:test';
import assert from 'node:assert/strict';
import { socketOwner } from '../../core/proc-net.ts';

// As the kernel writes them: a listener on 127.0.0.1:40727 (root), a build's connection from
// port 51000 to it (uid 10000), and the accepted end (root); then a tcp6 table.
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:9F17 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 771180 1 0000000000000000 100 0 0 10 0
   1: 0100007F:C738 0100007F:9F17 01 00000000:00000000 00:00000000 00000000 10000        0 771190 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:9F17 0100007F:C738 01 00000000:00000000 00:00000000 00000000     0        0 771191 1 0000000000000000 20 4 30 10 -1`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0000000000000000FFFF00000100007F:C739 0000000000000000FFFF00000100007F:9F17 01 00000000:00000000 00:00000000 00000000   0        0 771192 1 0000000000000000 20 4 30 10 -1`;

test('the owner of a loopback connection is the uid of the socket at its other end', () => {
  // Seen from the listener: its local port 40727 (0x9F17), the peer's port 51000 (0xC738).
  assert.equal(socketOwner(TCP, 51000, 40727), 10000);
  assert.equal(socketOwner(`${TCP}\n${TCP6}`, 51001, 40727), 0);
});

test('no row, no owner: an unknown connection is never taken for the agent\'s', () => {
  assert.equal(socketOwner(TCP, 40727, 51000), 0, 'the accepted end is the listener\'s own');
  assert.equal(socketOwner(TCP, 51002, 40727), undefined);
  assert.equal(socketOwner('', 51000, 40727), undefined);
});
