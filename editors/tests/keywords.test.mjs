// The keywords of grammar/fleet.pest (its kw_* rules) and those of the editor grammars are the
// same list: a keyword added to the language fails here until VS Code and vim highlight it, and
// one removed fails until they forget it. FLEET_PEST_GRAMMAR=path checks another copy of the
// grammar (to see this test fail without touching the real one).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CLASSES } from './lib/classes.mjs';
import { FIXTURES, GRAMMAR_JSON, PEST_GRAMMAR, REPO, VIM_SYNTAX, readLines } from './lib/paths.mjs';
import { pestKeywords } from './lib/pest.mjs';
import { tokenizeLines } from './lib/textmate.mjs';
import { vimAvailable, vimHighlight } from './lib/vim.mjs';

const keywords = pestKeywords();
const sorted = (xs) => [...new Set(xs)].sort();

function assertSameKeywords(editor, listed, where) {
  const missing = keywords.filter((kw) => !listed.includes(kw));
  const extra = listed.filter((kw) => !keywords.includes(kw));
  assert.ok(missing.length === 0 && extra.length === 0,
    `${editor} keywords differ from the kw_* rules: ${[
      missing.length ? `add ${missing.map((k) => `\`${k}\``).join(', ')} to ${where}` : '',
      extra.length ? `remove ${extra.map((k) => `\`${k}\``).join(', ')} from ${where}` : '',
    ].filter(Boolean).join('; ')}`);
  assert.deepEqual(sorted(listed), sorted(keywords));
}
const FIXTURE = path.join(FIXTURES, 'all-constructs.fleet');

// The words of the `syn keyword` lines of a group that is not `contained` (TODO and friends).
function vimKeywords() {
  const words = [];
  for (const line of fs.readFileSync(VIM_SYNTAX, 'utf8').split('\n')) {
    const m = line.match(/^\s*syn(?:tax)?\s+keyword\s+(\S+)\s+(.*)$/);
    if (!m) continue;
    const items = m[2].replace(/".*$/, '').trim().split(/\s+/);
    if (items.includes('contained')) continue;
    words.push(...items.filter((w) => !/^(skipwhite|skipnl|skipempty|transparent|contains=.*|containedin=.*|nextgroup=.*|conceal|cchar=.*|display|extend)$/.test(w)));
  }
  return words;
}

// The alternatives of the TextMate grammar's `keywords` rule: `(?:(use)|(device)|...)`.
function textMateKeywords() {
  const grammar = JSON.parse(fs.readFileSync(GRAMMAR_JSON, 'utf8'));
  return [...grammar.repository.keywords.match.matchAll(/\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1]);
}

const shown = path.relative(REPO, PEST_GRAMMAR).startsWith('..') ? PEST_GRAMMAR : path.relative(REPO, PEST_GRAMMAR);

describe(`keywords of ${shown}`, () => {
  it('are found', () => {
    assert.ok(keywords.length > 0, 'no kw_* rule with a string literal');
  });

  describe('VS Code (TextMate)', () => {
    it('the keywords rule lists exactly them', () => {
      assertSameKeywords('TextMate', textMateKeywords(), `the keywords rule of ${path.basename(GRAMMAR_JSON)} (and a scope in its captures)`);
    });

    for (const kw of keywords) {
      it(`highlights \`${kw}\` as a keyword`, async () => {
        // A keyword starting a top-level line: where each of them may stand.
        for (const line of [kw, `${kw} `, `${kw} // comment`]) {
          const [{ tokens }] = await tokenizeLines([line]);
          const t = tokens.find((x) => x.start === 0);
          assert.ok(t && t.text === kw && CLASSES.keyword.tm(t),
            `${JSON.stringify(line)}: ${t ? `${JSON.stringify(t.text)} is ${t.scopes.join(' ') || 'unscoped'}` : 'no token'}; add it to the keywords rule of ${path.basename(GRAMMAR_JSON)}`);
        }
      });
    }

    it('the fixture uses every keyword, highlighted as one', async () => {
      const lines = await tokenizeLines(readLines(FIXTURE));
      const seen = lines.flatMap((l) => l.tokens).filter((t) => CLASSES.keyword.tm(t)).map((t) => t.text);
      const missing = keywords.filter((kw) => !seen.includes(kw));
      assert.deepEqual(missing, [], `use these keywords in ${path.basename(FIXTURE)}`);
    });
  });

  describe('vim', () => {
    it('the syn keyword lists hold exactly them', () => {
      assertSameKeywords('vim', vimKeywords(), 'a `syn keyword` line of syntax/fleet.vim');
    });

    it('vim highlights each as a keyword', { skip: vimAvailable() ? false : 'vim with +syntax is not installed' }, () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-kw-'));
      try {
        const file = path.join(dir, 'keywords.fleet');
        fs.writeFileSync(file, keywords.join('\n') + '\n');
        const [result] = vimHighlight([file, FIXTURE]);
        const bad = keywords.filter((kw, i) => !result.lines[i].every((c) => CLASSES.keyword.vim.includes(c.group)));
        assert.deepEqual(bad, [], 'add them to a `syn keyword` line of syntax/fleet.vim');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('the fixture uses every keyword, highlighted as one', { skip: vimAvailable() ? false : 'vim with +syntax is not installed' }, () => {
      const [result] = vimHighlight([FIXTURE]);
      const lines = readLines(FIXTURE);
      const seen = new Set();
      lines.forEach((text, i) => {
        for (const m of text.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
          const cols = result.lines[i].slice(m.index, m.index + m[0].length);
          if (cols.every((c) => CLASSES.keyword.vim.includes(c.group))) seen.add(m[0]);
        }
      });
      assert.deepEqual(keywords.filter((kw) => !seen.has(kw)), [], `use these keywords in ${path.basename(FIXTURE)}`);
    });
  });
});
