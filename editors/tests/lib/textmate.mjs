// Highlights .fleet text with the real VS Code engine (vscode-textmate on vscode-oniguruma).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { GRAMMAR_JSON } from './paths.mjs';

const require = createRequire(import.meta.url);
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

let onigLib = null;
function loadOniguruma() {
  // loadWASM may run once per process.
  if (!onigLib) {
    const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    onigLib = oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength)).then(() => ({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }));
  }
  return onigLib;
}

export async function onig() {
  await loadOniguruma();
  return oniguruma;
}

let grammar = null;
export function loadGrammar() {
  if (!grammar) {
    const registry = new vsctm.Registry({
      onigLib: loadOniguruma(),
      loadGrammar: async (scopeName) =>
        scopeName === 'source.fleet'
          ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR_JSON, 'utf8'), GRAMMAR_JSON)
          : null,
    });
    grammar = registry.loadGrammar('source.fleet');
  }
  return grammar;
}

// [{ text, tokens: [{ start, end, text, scopes }] }] for each line; `scopes` leaves out source.fleet.
export async function tokenizeLines(lines) {
  const fleet = await loadGrammar();
  let state = vsctm.INITIAL;
  return lines.map((text) => {
    const result = fleet.tokenizeLine(text, state);
    state = result.ruleStack;
    const tokens = result.tokens
      .map((t) => ({
        start: t.startIndex,
        end: Math.min(t.endIndex, text.length),
        text: text.slice(t.startIndex, t.endIndex),
        scopes: t.scopes.filter((s) => s !== 'source.fleet'),
      }))
      .filter((t) => t.end > t.start);
    return { text, tokens };
  });
}

// The scope that decides a token's colour: the innermost one.
export const innermost = (token) => token.scopes[token.scopes.length - 1] ?? '';

// The snapshot of a file: each line, then its tokens (whitespace-only ones left out).
export function renderSnapshot(lineResults) {
  const out = [];
  lineResults.forEach(({ text, tokens }, i) => {
    out.push(`${i + 1}: ${text}`);
    for (const t of tokens) {
      if (/^\s*$/.test(t.text)) continue;
      out.push(`    ${JSON.stringify(t.text)} ${t.scopes.join(' ') || '-'}`);
    }
  });
  return out.join('\n') + '\n';
}
