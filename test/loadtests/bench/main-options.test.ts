/** `npm run bench`'s option errors: one line naming the option, exit 2, no stack, before anything starts. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import { badInputTests, type BadInput } from '../../support/binary-runs.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'loadtests', 'bench', 'main.js');

const badInputs: BadInput[] = [
  ['not a node flag', ['--edge-node-flags=foo'], {}, /^bench: BENCH_EDGE_NODE_FLAGS \/ --edge-node-flags: "foo" is not a node flag; give flags like "--trace-gc --single-threaded"\n$/],
  ['not a node flag for the --against edge', ['--against-node-flags=x'], {}, /^bench: BENCH_AGAINST_NODE_FLAGS \/ --against-node-flags: "x" is not a node flag; give flags like "--trace-gc --single-threaded"\n$/],
  ['flags for an --against edge that is not there', ['--against-node-flags=--trace-gc'], {}, /^bench: BENCH_AGAINST_NODE_FLAGS \/ --against-node-flags: there is no --against edge to give them to; add --against DIR \(--against=\. for this build\)\n$/],
  ['a log directory that is not there', ['--server-logs', '/nonexistent/bench-logs'], {}, /^bench: BENCH_SERVER_LOGS \/ --server-logs: \/nonexistent\/bench-logs is not a directory; create it first\n$/],
  ['a bad number from the environment', [], { BENCH_SECONDS: 'x' }, /^bench: BENCH_SECONDS \/ --seconds: expected an integer >= 1, got "x"\n$/],
  ['a bad peer-hop option, checked before the first section', [], { BENCH_PEERHOP_MISSES: '0' }, /^bench: BENCH_PEERHOP_MISSES: expected an integer >= 1, got "0"\n$/],
  ['a bad purge comparison block count, checked before the first section', [], { BENCH_PURGE_COMPARE_BLOCKS: 'two' }, /^bench: BENCH_PURGE_COMPARE_BLOCKS: expected an integer >= 1, got "two"\n$/],
  ['the purge comparison round count, gone since the builds take blocks in turn', [], { BENCH_PURGE_COMPARE_ROUNDS: '6' }, /^bench: BENCH_PURGE_COMPARE_ROUNDS is gone: .*BENCH_PURGE_COMPARE_WINDOWS\n$/],
  ['an unknown option', ['--bogus'], {}, /^bench: Unknown option '--bogus'/],
];
badInputTests(test, bin, badInputs);

test.run();
