// In every .fleet file (our fixtures, examples/, std/), each key token that a plain reading of
// the text finds (lib/expected.mjs) has the expected scope in VS Code and group in vim:
// keywords, numbers, units, comments and references wherever a file has them, and also fields,
// percentiles, strings, definition names and bases. Unlike the snapshots, this keeps holding
// when examples/ and std/ change.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTextMate, checkVim } from './lib/classes.mjs';
import { ALL_CLASSES, KEY_CLASSES, keyTokens } from './lib/expected.mjs';
import { readLines, sourceFiles } from './lib/paths.mjs';
import { pestKeywords } from './lib/pest.mjs';
import { tokenizeLines } from './lib/textmate.mjs';
import { vimAvailable, vimHighlight } from './lib/vim.mjs';

const files = sourceFiles();
const keywords = pestKeywords();
const found = new Map(files.map((f) => [f.id, keyTokens(readLines(f.path), keywords)]));
const VIM = vimAvailable();
const vimSkip = VIM ? false : 'vim with +syntax is not installed';
if (!VIM && process.env.CI) throw new Error('vim is needed in CI: editors/test.sh installs it');
const vim = VIM ? new Map(vimHighlight(files.map((f) => f.path)).map((r, i) => [files[i].id, r])) : new Map();

const tokenized = new Map();
const textMate = (file) => {
  if (!tokenized.has(file.id)) tokenized.set(file.id, tokenizeLines(readLines(file.path)));
  return tokenized.get(file.id);
};

function failures(check, kind, tokens) {
  return tokens.map((t) => check(kind, t)).filter(Boolean);
}

for (const [engine, skip] of [['VS Code (TextMate)', false], ['vim', vimSkip]]) {
  describe(`key tokens in ${engine}`, { skip }, () => {
    for (const file of files) {
      describe(file.id, () => {
        const tokens = found.get(file.id);
        const mustHave = file.id === 'fixtures/all-constructs.fleet';
        const classes = mustHave ? ALL_CLASSES : ALL_CLASSES.filter((k) => KEY_CLASSES.includes(k) || tokens[k].length > 0);
        for (const kind of classes) {
          const list = tokens[kind];
          it(`${kind} (${list.length} found)`, { skip: !mustHave && list.length === 0 ? `no ${kind} in this file` : false }, async () => {
            assert.ok(list.length > 0, `${file.id} must exercise every construct, and has no ${kind}`);
            let bad;
            if (engine === 'vim') {
              const result = vim.get(file.id);
              assert.equal(result.filetype, 'fleet', 'ftdetect did not set filetype=fleet');
              assert.equal(result.error, '', 'vim reported an error loading the file');
              bad = failures((k, t) => checkVim(result.lines, k, t), kind, list);
            } else {
              const lines = await textMate(file);
              bad = failures((k, t) => checkTextMate(lines, k, t), kind, list);
            }
            assert.deepEqual(bad, [], `${file.id}: ${bad.length} of ${list.length} ${kind} tokens wrong`);
          });
        }
      });
    }
  });
}

describe('the five key classes look different', () => {
  const fixture = files.find((f) => f.id === 'fixtures/all-constructs.fleet');
  const first = (kind) => found.get(fixture.id)[kind][0];

  // Themes colour by scope family; five different roots (keyword, constant, support, comment,
  // variable) keep the five apart in any theme that colours the roots differently.
  it('in VS Code: five different root scopes', async () => {
    const lines = await textMate(fixture);
    const roots = KEY_CLASSES.map((kind) => {
      const t = first(kind);
      const token = lines[t.line].tokens.find((x) => x.start <= t.col && t.col < x.end);
      const scope = kind === 'comment' ? token.scopes.find((s) => s.startsWith('comment.')) : token.scopes.at(-1);
      return scope.split('.')[0];
    });
    assert.equal(new Set(roots).size, KEY_CLASSES.length, `${KEY_CLASSES.join(', ')} have roots ${roots.join(', ')}`);
  });

  it('in vim: five different default highlight groups', { skip: vimSkip }, () => {
    const result = vim.get(fixture.id);
    const linked = KEY_CLASSES.map((kind) => result.lines[first(kind).line][first(kind).col].linked);
    assert.equal(new Set(linked).size, KEY_CLASSES.length, `${KEY_CLASSES.join(', ')} link to ${linked.join(', ')}`);
  });
});
