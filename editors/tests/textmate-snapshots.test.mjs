// The scopes VS Code gives every token of every .fleet file (our fixtures, examples/, std/),
// compared with snapshots/<folder>/<file>.scopes. UPDATE_SNAPSHOTS=1 rewrites them and deletes
// the ones whose source file is gone; otherwise a missing, changed or stale snapshot fails.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SNAPSHOTS, readLines, sourceFiles } from './lib/paths.mjs';
import { renderSnapshot, tokenizeLines } from './lib/textmate.mjs';

const UPDATE = process.env.UPDATE_SNAPSHOTS === '1';
const HOW = 'run `UPDATE_SNAPSHOTS=1 editors/test.sh` and review the diff';
const files = sourceFiles();

function firstDifference(expected, actual) {
  const a = expected.split('\n');
  const b = actual.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      return `snapshot line ${i + 1}:\n  expected: ${a[i] ?? '(end)'}\n  actual:   ${b[i] ?? '(end)'}`;
    }
  }
  return '';
}

describe('TextMate scope snapshots', () => {
  for (const file of files) {
    it(file.id, async () => {
      const actual = renderSnapshot(await tokenizeLines(readLines(file.path)));
      if (UPDATE) {
        fs.mkdirSync(path.dirname(file.snapshot), { recursive: true });
        if (!fs.existsSync(file.snapshot) || fs.readFileSync(file.snapshot, 'utf8') !== actual) {
          fs.writeFileSync(file.snapshot, actual);
        }
        return;
      }
      assert.ok(fs.existsSync(file.snapshot), `no snapshot ${path.relative(SNAPSHOTS, file.snapshot)} for ${file.id}: ${HOW}`);
      const expected = fs.readFileSync(file.snapshot, 'utf8');
      if (expected !== actual) {
        assert.fail(`the scopes of ${file.id} changed (${firstDifference(expected, actual)}): ${HOW}`);
      }
    });
  }

  it('has no snapshot without its source file', () => {
    const wanted = new Set(files.map((f) => path.resolve(f.snapshot)));
    const stale = [];
    const walk = (dir) => {
      if (!fs.existsSync(dir)) return;
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else if (!wanted.has(path.resolve(p))) stale.push(p);
      }
    };
    walk(SNAPSHOTS);
    if (UPDATE) {
      for (const p of stale) fs.rmSync(p);
      return;
    }
    assert.deepEqual(stale.map((p) => path.relative(SNAPSHOTS, p)), [], `stale snapshots: ${HOW}`);
  });

  it('covers our fixtures', () => {
    assert.ok(files.some((f) => f.group === 'fixtures'), 'no fixture under editors/tests/fixtures');
  });
});
