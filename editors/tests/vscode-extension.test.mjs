// The VS Code extension in editors/vscode holds together: the manifest points at files that
// exist, the grammar's regexes all compile with VS Code's regex engine (a broken one would only
// show when its rule is first tried), every include resolves, every rule is used, and every
// scope is a conventional one ending in `.fleet`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EDITORS, GRAMMAR_JSON } from './lib/paths.mjs';
import { onig } from './lib/textmate.mjs';

const VSCODE = path.join(EDITORS, 'vscode');
const readJson = (p) => JSON.parse(fs.readFileSync(p, 'utf8'));
const manifest = readJson(path.join(VSCODE, 'package.json'));
const grammar = readJson(GRAMMAR_JSON);

// Every rule object of the grammar, with where it is.
function rules() {
  const out = [];
  const visit = (rule, where) => {
    if (!rule || typeof rule !== 'object') return;
    out.push({ rule, where });
    (rule.patterns ?? []).forEach((r, i) => visit(r, `${where}.patterns[${i}]`));
    for (const key of ['captures', 'beginCaptures', 'endCaptures']) {
      for (const [n, r] of Object.entries(rule[key] ?? {})) visit(r, `${where}.${key}[${n}]`);
    }
  };
  visit({ patterns: grammar.patterns }, 'patterns');
  for (const [name, rule] of Object.entries(grammar.repository)) visit(rule, `repository.${name}`);
  return out;
}

describe('VS Code extension', () => {
  it('recognises .fleet files as the fleet language', () => {
    const [language] = manifest.contributes.languages;
    assert.equal(language.id, 'fleet');
    assert.deepEqual(language.extensions, ['.fleet']);
    assert.ok(fs.existsSync(path.join(VSCODE, language.configuration)), language.configuration);
  });

  it('contributes the grammar under its scope name', () => {
    const [entry] = manifest.contributes.grammars;
    assert.equal(entry.language, 'fleet');
    assert.equal(entry.scopeName, grammar.scopeName);
    assert.equal(grammar.scopeName, 'source.fleet');
    assert.equal(path.resolve(VSCODE, entry.path), GRAMMAR_JSON);
  });

  it('configures comments, brackets and auto-closing pairs', () => {
    const config = readJson(path.join(VSCODE, manifest.contributes.languages[0].configuration));
    assert.equal(config.comments.lineComment, '//');
    assert.deepEqual(config.comments.blockComment, ['/*', '*/']);
    assert.deepEqual(config.brackets, [['{', '}']]);
    const pairs = config.autoClosingPairs.map((p) => p.open + p.close);
    assert.ok(pairs.includes('{}') && pairs.includes('""'), pairs.join(' '));
    assert.doesNotThrow(() => new RegExp(config.wordPattern, 'u'), 'wordPattern');
    for (const [key, re] of Object.entries(config.indentationRules)) assert.doesNotThrow(() => new RegExp(re), key);
  });

  it('has regexes that all compile in oniguruma', async () => {
    const { OnigScanner } = await onig();
    const bad = [];
    for (const { rule, where } of rules()) {
      for (const key of ['match', 'begin', 'end', 'while']) {
        if (typeof rule[key] !== 'string') continue;
        try {
          new OnigScanner([rule[key]]).dispose();
        } catch (e) {
          bad.push(`${where}.${key}: ${e.message}`);
        }
      }
    }
    assert.deepEqual(bad, []);
  });

  it('includes only rules that exist, and uses every rule', () => {
    const used = new Set();
    const missing = [];
    for (const { rule, where } of rules()) {
      if (typeof rule.include !== 'string') continue;
      assert.match(rule.include, /^#/, `${where}: only local includes`);
      const name = rule.include.slice(1);
      if (!(name in grammar.repository)) missing.push(`${where}: ${rule.include}`);
      used.add(name);
    }
    assert.deepEqual(missing, []);
    assert.deepEqual(Object.keys(grammar.repository).filter((n) => !used.has(n)), [], 'unused repository rules');
  });

  it('names every scope conventionally, ending in .fleet', () => {
    const roots = /^(comment|constant|entity|invalid|keyword|markup|meta|punctuation|storage|string|support|variable)\./;
    const bad = [];
    for (const { rule, where } of rules()) {
      for (const key of ['name', 'contentName']) {
        if (rule[key] === undefined) continue;
        for (const scope of rule[key].split(/\s+/)) {
          if (!roots.test(scope) || !scope.endsWith('.fleet')) bad.push(`${where}.${key}: ${scope}`);
        }
      }
    }
    assert.deepEqual(bad, []);
  });
});
