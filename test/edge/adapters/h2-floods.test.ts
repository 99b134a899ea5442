/**
 * PING and SETTINGS floods (CVE-2019-9512, CVE-2019-9515) against the HTTPS listener, with frames
 * written by hand (test/support/h2-frames.ts): within the budget every frame is acknowledged and
 * the session serves on; one frame over it and the client gets GOAWAY ENHANCE_YOUR_CALM and the
 * connection is closed, whatever else it had queued. No sleeps: the budget's window is on the
 * test's clock, which does not move here, and every wait is for a frame or the close. Runs once
 * per HTTP/2 layer (`http2.server`: node and own).
 */
import { constants } from 'node:http2';
import * as assert from 'uvu/assert';
import { FLAG_ACK, FrameType, goawayCode, isAck, nth, openRawH2, pingFrame, settingsFrame, type Frame, type RawH2 } from '../../support/h2-frames.js';
import { startHttpsEdge } from '../../support/https-edge.js';
import { rawH2Suite, type RawH2Ctx } from '../../support/raw-h2-suite.js';
import type { Http2Limits } from '../../../edge/adapters/tls/config.js';

function floodSuite(h2Server: Http2Limits['server']): void {
const s = rawH2Suite(`http2 control-frame floods (h2: ${h2Server})`);

const BUDGET = 20;
const isGoaway = (f: Frame): boolean => f.type === FrameType.GOAWAY;
const pingAcks = (raw: RawH2): number => raw.frames.filter((f) => f.type === FrameType.PING && (f.flags & FLAG_ACK) !== 0).length;
const settingsAcks = (raw: RawH2): number => raw.frames.filter((f) => f.type === FrameType.SETTINGS && (f.flags & FLAG_ACK) !== 0).length;
const pings = (from: number, count: number): Buffer => Buffer.concat(Array.from({ length: count }, (_, i) => pingFrame(from + i)));

async function start(ctx: RawH2Ctx): Promise<RawH2> {
  ctx.h = await startHttpsEdge({ default: ctx.localhost, bySni: [] }, { http2: { maxControlFramesPerWindow: BUDGET, server: h2Server } });
  return (ctx.raw = await openRawH2(ctx.h.port, ctx.pki.ca));
}

s('PINGs within the budget (the client SETTINGS counts too) are all acknowledged and the session stays open', async (ctx) => {
  const raw = await start(ctx);
  raw.write(pings(1, BUDGET - 1));
  const last = await raw.until((f) => f.type === FrameType.PING && (f.flags & FLAG_ACK) !== 0 && f.payload.readUInt32BE(4) === BUDGET - 1);
  assert.ok(last, 'the last PING is acknowledged');
  assert.is(pingAcks(raw), BUDGET - 1);
  assert.not.ok(raw.frames.some(isGoaway));
  assert.not.ok(raw.socket.destroyed);
});

/**
 * After the frames over the budget were answered (ACKs already queued go out), the next thing
 * from the edge is a GOAWAY, or the close; never an answer to one more PING. Without a guard the
 * marker PING is simply acknowledged, and the race says so.
 */
async function nextIsGoaway(raw: RawH2): Promise<'goaway' | 'closed' | 'answered'> {
  const marker = 0x7ffffffe;
  raw.write(pingFrame(marker));
  const goaway = raw.until(isGoaway).then((f) => (f === undefined ? 'closed' : 'goaway') as 'goaway' | 'closed');
  const answered = raw.until((f) => isAck(FrameType.PING)(f) && f.payload.readUInt32BE(4) === marker).then((f) => (f === undefined ? 'closed' : 'answered') as 'closed' | 'answered');
  return Promise.race([goaway, answered]);
}

s('one PING over the budget: GOAWAY ENHANCE_YOUR_CALM, then the connection is closed', async (ctx) => {
  const raw = await start(ctx);
  // With the client's SETTINGS, the 20th PING is one control frame over the budget.
  raw.write(pings(1, BUDGET));
  await raw.until(nth(isAck(FrameType.PING), BUDGET));
  assert.is(await nextIsGoaway(raw), 'goaway');
  assert.is(goawayCode(raw.frames.find(isGoaway)!), constants.NGHTTP2_ENHANCE_YOUR_CALM);
  await raw.closed;
  assert.ok(pingAcks(raw) <= BUDGET, `at most the budget's PINGs acknowledged (${pingAcks(raw)})`);
});

/**
 * How a burst ends depends on how much of it one socket read holds: the edge's budget sends GOAWAY
 * ENHANCE_YOUR_CALM, and nghttp2, finding over 1,000 ACKs queued unsent (its max_outbound_ack),
 * ends the session at once, without a GOAWAY. Either way the connection is closed and the flood
 * is never answered in full: a PING sent after it is never acknowledged.
 */
async function floodEnds(raw: RawH2, flood: Buffer, sent: number, acks: (raw: RawH2) => number): Promise<void> {
  const marker = 0x7fffffff;
  raw.write(Buffer.concat([flood, pingFrame(marker)]));
  const markerAcked = raw.until((f) => f.type === FrameType.PING && (f.flags & FLAG_ACK) !== 0 && f.payload.readUInt32BE(4) === marker).then((f) => (f === undefined ? 'closed' : 'answered'));
  assert.is(await Promise.race([raw.closed.then(() => 'closed'), markerAcked]), 'closed', 'the connection ends before the flood is answered');
  assert.ok(acks(raw) <= 1_000, `${acks(raw)} of ${sent} acknowledged`);
  for (const goaway of raw.frames.filter(isGoaway)) assert.is(goawayCode(goaway), constants.NGHTTP2_ENHANCE_YOUR_CALM);
}

s('a burst of 20,000 PINGs: the connection is closed with at most 1,000 of them acknowledged', async (ctx) => {
  const raw = await start(ctx);
  await floodEnds(raw, pings(1, 20_000), 20_000, pingAcks);
});

s('a burst of 20,000 SETTINGS frames: the connection is closed with at most 1,000 of them acknowledged', async (ctx) => {
  const raw = await start(ctx);
  await floodEnds(raw, Buffer.concat(Array.from({ length: 20_000 }, () => settingsFrame())), 20_000, settingsAcks);
});

s('SETTINGS one over the budget: GOAWAY ENHANCE_YOUR_CALM, then the connection is closed', async (ctx) => {
  const raw = await start(ctx);
  // The client's first SETTINGS counted one already.
  raw.write(Buffer.concat(Array.from({ length: BUDGET }, () => settingsFrame())));
  await raw.until(nth(isAck(FrameType.SETTINGS), BUDGET + 1));
  assert.is(await nextIsGoaway(raw), 'goaway');
  assert.is(goawayCode(raw.frames.find(isGoaway)!), constants.NGHTTP2_ENHANCE_YOUR_CALM);
  await raw.closed;
});

s.run();
}

floodSuite('node');
floodSuite('own');
