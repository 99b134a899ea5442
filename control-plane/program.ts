/** The control plane binary's name, and its one-line refusals to start. */
import { ConfigError } from '../common/config-loader.js';

export const PROGRAM = 'cdn-control-plane';

/** A refusal to start that the operator must act on: one line, exit 2. */
export class StartRefused extends ConfigError {}
