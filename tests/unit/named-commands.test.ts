/**
 * Every message, tooltip and document that names a command names one that
 * works (issue 13: a hint said `npm run data`, which does not exist; the
 * command is `npx ganvas data`): `npm run X` needs a script X in
 * package.json, `ganvas X` a subcommand of the CLI.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p, ext) : ext.test(f) ? [p] : [];
  });
}

describe('commands named in messages and documents', () => {
  const scripts = Object.keys((JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: object }).scripts);
  const help = spawnSync(process.execPath, ['bin/ganvas.js', '--help'], { encoding: 'utf8' }).stdout;
  const subcommands = [...help.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]);
  const sources = [...files('src', /\.tsx?$/), ...files('docs', /\.md$/), 'README.md'];

  it('the CLI lists its subcommands (this test reads them from --help)', () => {
    expect(subcommands).toEqual(expect.arrayContaining(['validate', 'train', 'export', 'data']));
  });

  it('every `npm run X` is a script and every `ganvas X` a subcommand', () => {
    const broken: string[] = [];
    for (const f of sources) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/npm run ([a-z][\w:-]*)/g)) {
        if (!scripts.includes(m[1]!)) broken.push(`${f}: ${m[0]}`);
      }
      // `npx ganvas X`, or `ganvas X` at the start of a code span.
      for (const m of text.matchAll(/(?:npx ganvas|`ganvas) ([a-z]+)/g)) {
        if (!subcommands.includes(m[1]!)) broken.push(`${f}: ${m[0]}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
