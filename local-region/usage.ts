/**
 * `npm start`'s command line: it takes no flags, only environment variables, so `--help` (or
 * `-h`) prints them and anything else on the command line is a usage error rather than being
 * silently ignored while a whole region starts.
 */
export const LOCAL_REGION_HELP = `Usage: npm start [-- --help]

Starts a local edgeworks region on loopback as child processes: the synthetic origin, the control
plane, three edges in one consistent-hash ring and an orchestrator that adds edges. Ctrl-C stops it.
It writes .edgeworks/local-region.json (mode 0600) with the URLs and token for the load tests.

Environment:
  LOCAL_ORIGIN_PORT        origin port (default 8000)
  LOCAL_EDGE_PORT          first edge port; edges take consecutive ports (default 8081)
  LOCAL_ADMIN_PORT         first edge admin port (default 9181)
  LOCAL_CONTROL_PORT       control-plane port (default 9000)
  LOCAL_ORCHESTRATOR_PORT  orchestrator port (default 9100)
  LOCAL_TOKEN              bearer token for every admin API (default: random, printed)
  EDGE_SEMI_SPACE_MIB      each edge's V8 semi-space in MiB, 1 to 1024 (default 4; edge/young-generation.ts)
  GLIBC_TUNABLES           each edge's glibc malloc settings (default: edge/malloc-tuning.ts's)

Flags:
  --help, -h               print this help
`;

export type CommandLine = { kind: 'start' } | { kind: 'help' } | { kind: 'error'; message: string };

export function parseCommandLine(argv: readonly string[]): CommandLine {
  if (argv.some((a) => a === '--help' || a === '-h')) return { kind: 'help' };
  const first = argv[0];
  if (first !== undefined) return { kind: 'error', message: `unknown argument ${JSON.stringify(first)} (see --help)` };
  return { kind: 'start' };
}
