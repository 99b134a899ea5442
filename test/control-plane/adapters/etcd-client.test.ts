/**
 * EtcdClient (control-plane/adapters/etcd-client.ts) against a scripted stand-in for etcd's JSON
 * gateway on 127.0.0.1: what it asks of a member at failover. The real gateway is exercised by
 * `npm run test:ha`; these cases hold answers back, which real etcd cannot be made to do on cue.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EtcdClient } from '../../../control-plane/adapters/etcd-client.js';
import { EtcdError } from '../../../control-plane/etcd/etcd-kv.js';
import { ManualTimers } from '../../support/manual-timers.js';

/** Answers range and status with `term`; holds every txn until the client gives up on it. */
async function scriptedMember() {
  const state = { term: 5, headers: [] as Array<{ path: string; hasLeader: string | undefined }>, heldTxns: 0 };
  let txnHeld: () => void = () => undefined;
  const txnArrived = new Promise<void>((resolve) => (txnHeld = resolve));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '';
      state.headers.push({ path, hasLeader: req.headers['grpc-metadata-hasleader'] as string | undefined });
      const header = { revision: '1', raft_term: String(state.term) };
      if (path === '/v3/kv/txn') {
        state.heldTxns++;
        txnHeld();
        return; // held: a proposal forwarded to a leader that died
      }
      res.setHeader('content-type', 'application/json');
      if (path === '/v3/maintenance/status') res.end(JSON.stringify({ header, raftTerm: String(state.term) }));
      else res.end(JSON.stringify({ header }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    state,
    txnArrived,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test('a write held by a member that moved to a new raft term is given up as ambiguous at the next probe, not after requestTimeoutMs', async () => {
  const member = await scriptedMember();
  const timers = new ManualTimers();
  // A timeout far beyond the test: only the term guard can end the held write in time.
  const client = new EtcdClient({ endpoints: [member.url], requestTimeoutMs: 20_000, termProbeMs: 250, timers });
  try {
    await client.range('/k'); // learns term 5
    const outcome = client.txn([{ key: '/k', target: 'value', equals: '0' }], [{ put: { key: '/k', value: '1' } }], []).then(
      () => 'committed',
      (err: unknown) => err,
    );
    await member.txnArrived;
    member.state.term = 6; // the leader it was forwarded to died; this member voted in a new one
    timers.advance(250);
    const err = await outcome;
    assert.instance(err, EtcdError);
    assert.ok((err as EtcdError).ambiguous, 'it may still have been applied: the caller must find out');
    assert.match((err as EtcdError).message, /raft term 5 to 6/);
  } finally {
    await client.close();
    await member.close();
  }
});

test('every unary call asks for a member with a leader (hasleader), so one without a leader refuses at once', async () => {
  const member = await scriptedMember();
  const client = new EtcdClient({ endpoints: [member.url], requestTimeoutMs: 60_000, timers: new ManualTimers() });
  try {
    await client.range('/k');
    await client.leaseKeepAlive('1');
    await client.compact(1);
    assert.equal(
      member.state.headers.map((h) => h.hasLeader),
      ['true', 'true', 'true'],
    );
  } finally {
    await client.close();
    await member.close();
  }
});

test.run();
