/** Moved to test/support (edges use it too); this path stays so existing imports keep working. */
export { ManualTimers } from '../../support/manual-timers.js';
