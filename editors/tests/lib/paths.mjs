// Where things are. The editors/ folder sits at the root of the repository.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const EDITORS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO = path.resolve(EDITORS, '..');
export const GRAMMAR_JSON = path.join(EDITORS, 'vscode', 'syntaxes', 'fleet.tmLanguage.json');
export const VIM_RUNTIME = path.join(EDITORS, 'vim');
export const VIM_SYNTAX = path.join(VIM_RUNTIME, 'syntax', 'fleet.vim');
export const FIXTURES = path.join(EDITORS, 'tests', 'fixtures');
export const SNAPSHOTS = path.join(EDITORS, 'tests', 'snapshots');

// The language's one grammar; FLEET_PEST_GRAMMAR points the keyword test at another copy.
export const PEST_GRAMMAR = process.env.FLEET_PEST_GRAMMAR
  ? path.resolve(process.env.FLEET_PEST_GRAMMAR)
  : path.join(REPO, 'grammar', 'fleet.pest');

// Every .fleet file the tests highlight: our fixtures, then whatever examples/ and std/ hold now.
// `group` names the folder, and the snapshot lives at snapshots/<group>/<name>.scopes.
const SOURCE_DIRS = [
  { group: 'fixtures', dir: FIXTURES },
  { group: 'examples', dir: path.join(REPO, 'examples') },
  { group: 'std', dir: path.join(REPO, 'std') },
];

export function sourceFiles() {
  const files = [];
  for (const { group, dir } of SOURCE_DIRS) {
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      if (!name.endsWith('.fleet')) continue;
      files.push({
        group,
        name,
        id: `${group}/${name}`,
        path: path.join(dir, name),
        snapshot: path.join(SNAPSHOTS, group, `${name}.scopes`),
      });
    }
  }
  return files;
}

export function readLines(file) {
  // The tokenizers see lines without their terminators, as editors do.
  return fs.readFileSync(file, 'utf8').replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n');
}
