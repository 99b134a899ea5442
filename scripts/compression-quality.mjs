#!/usr/bin/env node
// CPU per compression and compressed/original size for gzip -6 (zlib's default) and brotli at
// several qualities, on HTML-like text of 1 KiB to 1 MiB: the figures behind --compress's default
// brotli quality. Synchronous zlib in one process, so it measures CPU on one core; on a shared
// machine the microseconds are noisy, the size ratios are not.
//   node scripts/compression-quality.mjs
import zlib from 'node:zlib';
// HTML-like text: markup repeated with varying ids, names and prices.
function body(n){ let s=''; let i=0; while(s.length<n){ s+=`<div class="item" data-id="${i}"><a href="/product/${i*7919%100000}">Product ${i} name ${(i*31)%97}</a><span>${(i*0.37).toFixed(2)} EUR</span></div>\n`; i++;} return Buffer.from(s.slice(0,n)); }
for (const size of [1024, 16384, 131072, 1048576]) {
  const b = body(size);
  const reps = Math.max(3, Math.floor(2_000_000/size));
  const row = [size];
  { const t=process.hrtime.bigint(); let out; for(let i=0;i<reps;i++) out=zlib.gzipSync(b,{level:6}); const us=Number(process.hrtime.bigint()-t)/1000/reps; row.push(`gz6 ${us.toFixed(0)}us ${(out.length/size).toFixed(3)}`); }
  for (const q of [1,4,5,6,9,11]) { const r = q===11? Math.max(1,Math.floor(reps/20)) : reps; const t=process.hrtime.bigint(); let out; for(let i=0;i<r;i++) out=zlib.brotliCompressSync(b,{params:{[zlib.constants.BROTLI_PARAM_QUALITY]:q,[zlib.constants.BROTLI_PARAM_SIZE_HINT]:size}}); const us=Number(process.hrtime.bigint()-t)/1000/r; row.push(`br${q} ${us.toFixed(0)}us ${(out.length/size).toFixed(3)}`); }
  console.log(row.join(' | '));
}
