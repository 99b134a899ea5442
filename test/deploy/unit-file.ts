/** Reads a systemd unit file into its directives, in order, for assertions on what a unit sets. */

export interface Directive {
  section: string;
  key: string;
  value: string;
}

export function parseUnit(text: string): Directive[] {
  const directives: Directive[] = [];
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      section = header[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`not a directive: ${line}`);
    directives.push({ section, key: line.slice(0, eq), value: line.slice(eq + 1) });
  }
  return directives;
}

/** Every value a key has in [Service], in order (keys like LoadCredential= repeat). */
export function serviceValues(directives: readonly Directive[], key: string): string[] {
  return directives.filter((d) => d.section === 'Service' && d.key === key).map((d) => d.value);
}
