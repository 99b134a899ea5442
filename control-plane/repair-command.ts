/** `cdn-control-plane repair --data-dir DIR`: cuts a damaged log back to its good prefix. */
import { FileLogStorage } from './adapters/file-log-storage.js';
import { lockDataDir } from './adapters/data-dir-lock.js';
import { ConfigError } from '../common/config-loader.js';
import { describeRepair, planRepair } from './log/repair.js';
import { PROGRAM, StartRefused } from './program.js';

/** `repair --data-dir DIR`: keeps the good prefix of a damaged log and prints what it dropped. */
export async function repair(args: string[]): Promise<void> {
  let dataDir = process.env['CONTROL_PLANE_DATA_DIR'];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--data-dir' && args[i + 1] !== undefined) dataDir = args[++i];
    else if (args[i]?.startsWith('--data-dir=')) dataDir = args[i]!.slice('--data-dir='.length);
    else throw new ConfigError(`repair: unexpected argument ${JSON.stringify(args[i])}; usage: ${PROGRAM} repair --data-dir DIR`);
  }
  if (dataDir === undefined || dataDir === '') throw new ConfigError(`repair: dataDir: is required; usage: ${PROGRAM} repair --data-dir DIR`);
  const storage = await FileLogStorage.create(dataDir);
  const lock = await lockDataDir(dataDir);
  if (!lock.ok) throw new StartRefused(`repair: ${lock.message}`);
  try {
    const plan = planRepair(Buffer.from(await storage.read()));
    const baseOffset = storage.prefixBytes;
    if (plan.kind === 'cut') await storage.replaceDurably(plan.keep);
    await storage.close();
    process.stdout.write(`${describeRepair(plan, storage.path, baseOffset).join('\n')}\n`);
  } finally {
    lock.release();
  }
}
