// What each kind of token must look like in each editor: the TextMate scope that colours it, and
// the vim syntax groups it may be in. One table, so every test asks the same question.
import { innermost } from './textmate.mjs';

const exact = (scope) => (t) => innermost(t) === scope;
const anyScope = (prefix) => (t) => t.scopes.some((s) => s.startsWith(prefix));

export const CLASSES = {
  // Keywords are keyword.control.import (use), keyword.declaration.* (device, model, pool,
  // workload, site, objective) and keyword.other.* (from, minimize, maximize, and the distributions);
  // operators are not keywords.
  keyword: { tm: (t) => /^keyword\.(?!operator\.)/.test(innermost(t)), vim: ['fleetKeyword', 'fleetInclude', 'fleetValueKeyword'], word: true },
  definition: { tm: (t) => innermost(t).startsWith('entity.name.type.'), vim: ['fleetDefName'], word: true },
  base: { tm: exact('entity.other.inherited-class.fleet'), vim: ['fleetBase'], word: true },
  namespace: { tm: exact('entity.name.namespace.fleet'), vim: ['fleetNamespace'], word: true },
  field: { tm: exact('support.type.property-name.fleet'), vim: ['fleetField', 'fleetBound'], word: true },
  reference: { tm: exact('variable.other.constant.fleet'), vim: ['fleetReference'], word: true },
  number: { tm: exact('constant.numeric.fleet'), vim: ['fleetNumber'], word: true },
  scale: { tm: exact('constant.numeric.scale.fleet'), vim: ['fleetNumber'], word: true },
  unit: { tm: exact('support.type.unit.fleet'), vim: ['fleetUnit'], word: true },
  percentile: { tm: exact('constant.language.percentile.fleet'), vim: ['fleetPercentile'], word: true },
  operator: { tm: (t) => innermost(t).startsWith('keyword.operator.'), vim: ['fleetOperator'], word: true },
  string: { tm: anyScope('string.quoted.double.fleet'), vim: ['fleetString'], word: false },
  comment: { tm: anyScope('comment.'), vim: ['fleetLineComment', 'fleetBlockComment', 'fleetTodo'], word: false },
};

const show = (t) => (t ? `${JSON.stringify(t.text)} (${t.scopes.join(' ') || 'no scope'})` : 'nothing');

// Checks that the TextMate tokens of `lines` give the text at {line, col, end} the class `kind`.
// Word classes must be exactly one token; comments and strings may be several.
// Returns an error message, or null.
export function checkTextMate(lineResults, kind, { line, col, end, text }) {
  const { tm, word } = CLASSES[kind];
  const tokens = lineResults[line].tokens.filter((t) => t.start < end && t.end > col);
  const where = `line ${line + 1}, column ${col + 1}: ${JSON.stringify(text)}`;
  if (tokens.length === 0) return `${where}: no token`;
  if (word) {
    const t = tokens[0];
    if (tokens.length !== 1 || t.start !== col || t.end !== end) {
      return `${where}: expected one ${kind} token, got ${tokens.map(show).join(', ')}`;
    }
    return tm(t) ? null : `${where}: expected a ${kind}, got ${show(t)}`;
  }
  const bad = tokens.find((t) => !tm(t));
  return bad ? `${where}: expected a ${kind}, got ${show(bad)}` : null;
}

// The same for vim: every character of the text is in one of the class's groups.
export function checkVim(vimLines, kind, { line, col, end, text }) {
  const groups = CLASSES[kind].vim;
  const where = `line ${line + 1}, column ${col + 1}: ${JSON.stringify(text)}`;
  for (let c = col; c < end; c++) {
    const g = vimLines[line]?.[c]?.group ?? '';
    if (!groups.includes(g)) return `${where}: expected ${groups.join(' or ')}, got ${g || 'no group'} at ${JSON.stringify(text[c - col])}`;
  }
  return null;
}
