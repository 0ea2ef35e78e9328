// Highlights .fleet files with vim itself: editors/vim on the runtimepath, as editors/README.md
// tells users to install it, then the syntax group of every character.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VIM_RUNTIME } from './paths.mjs';

const DUMP = path.join(path.dirname(new URL(import.meta.url).pathname), 'dump.vim');

export function vimAvailable() {
  const r = spawnSync('vim', ['--version'], { encoding: 'utf8' });
  return r.status === 0 && /\+syntax/.test(r.stdout);
}

const vimString = (s) => `'${s.replace(/'/g, "''")}'`;

// For each file: { filetype, error (vim's last message, '' if none), lines: [[{ group, linked }]
// per UTF-16 column] }.
export function vimHighlight(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-vim-'));
  const out = path.join(dir, 'out.txt');
  try {
    // vim exits 1 after any error message; the dump still records the message, so the tests
    // report it. Only a missing dump is fatal here.
    const run = spawnSync('vim', [
      '-N', '-u', 'NONE', '-i', 'NONE', '-n', '-es',
      '--cmd', `let g:fleet_rtp = ${vimString(VIM_RUNTIME)}`,
      '--cmd', `let g:fleet_files = [${files.map(vimString).join(', ')}]`,
      '--cmd', `let g:fleet_out = ${vimString(out)}`,
      '-S', DUMP,
    ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000, env: { ...process.env, HOME: dir } });
    if (!fs.existsSync(out)) {
      throw new Error(`vim wrote no highlighting (status ${run.status}): ${run.error ?? ''}${run.stdout}${run.stderr}`);
    }
    const dump = fs.readFileSync(out, 'utf8').replace(/\n$/, '').split('\n');
    const results = [];
    let current = null;
    let fileIndex = 0;
    for (const row of dump) {
      const header = row.match(/^=== (\S*) /);
      if (header) {
        current = { filetype: header[1], error: null, lines: [], file: files[fileIndex++] };
        results.push(current);
        continue;
      }
      if (current.error === null) {
        current.error = row;
        continue;
      }
      current.lines.push(row === '' ? [] : row.split(' ').map((g) => {
        const [group, linked] = g.split('/');
        return { group, linked };
      }));
    }
    // vim reports bytes; map them to the UTF-16 columns the tests use.
    for (const r of results) {
      const text = fs.readFileSync(r.file, 'utf8').replace(/\r\n?/g, '\n').split('\n');
      r.lines = r.lines.map((bytes, i) => {
        const cols = [];
        let byte = 0;
        for (const ch of text[i] ?? '') {
          const units = ch.length;
          for (let u = 0; u < units; u++) cols.push(bytes[byte] ?? { group: '', linked: '' });
          byte += Buffer.byteLength(ch);
        }
        return cols;
      });
    }
    return results;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
