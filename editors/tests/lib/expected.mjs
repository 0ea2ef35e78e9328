// Where the key tokens of a .fleet file are, found by a deliberately plain reading of the text
// that shares nothing with either editor grammar. The tests then check that each editor gives
// every token found here the expected scope (TextMate) or syntax group (vim).
//
// The reading follows grammar/fleet.pest: comments (nesting) and strings are masked first;
// keywords count only outside braces (except the keywords of values the grammar's `call_name`
// and `symbol` rules name); numbers, units, fields and values only inside them.

import { pestValueKeywords } from './pest.mjs';

const IDENT_CHAR = /[A-Za-z0-9_]/;
const NUMERAL = String.raw`-?[0-9][0-9_]*(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?`;
const ATOM = String.raw`(?:\$|%|[A-Za-zµ][A-Za-z]*(?![A-Za-z0-9_]))`;
const PERCENTILE = String.raw`(?:p[0-9]+(?:\.[0-9]+)?|mean)(?![A-Za-z0-9_])`;

// Masks comments and strings with spaces (keeping columns), and records where they are and the
// brace depth at the start of every character.
function mask(lines) {
  let commentDepth = 0;
  let braceDepth = 0;
  const masked = [];
  const depths = [];
  const comments = [];
  const strings = [];
  lines.forEach((text, line) => {
    let out = '';
    const depth = [];
    let i = 0;
    let segment = commentDepth > 0 ? 0 : -1; // start column of the comment being read
    while (i < text.length) {
      depth.push(braceDepth);
      const two = text.slice(i, i + 2);
      if (commentDepth > 0) {
        if (two === '/*') { commentDepth++; out += '  '; depth.push(braceDepth); i += 2; continue; }
        if (two === '*/') {
          commentDepth--; out += '  '; depth.push(braceDepth); i += 2;
          if (commentDepth === 0) { comments.push({ line, col: segment, end: i, text: text.slice(segment, i) }); segment = -1; }
          continue;
        }
        out += ' '; i++; continue;
      }
      if (two === '//') {
        comments.push({ line, col: i, end: text.length, text: text.slice(i) });
        while (depth.length < text.length) depth.push(braceDepth);
        out += ' '.repeat(text.length - i);
        i = text.length;
        break;
      }
      if (two === '/*') { commentDepth = 1; segment = i; out += '  '; depth.push(braceDepth); i += 2; continue; }
      if (text[i] === '"') {
        let j = text.indexOf('"', i + 1);
        j = j === -1 ? text.length : j + 1;
        strings.push({ line, col: i, end: j, text: text.slice(i, j) });
        while (depth.length < j) depth.push(braceDepth);
        out += ' '.repeat(j - i);
        i = j;
        continue;
      }
      if (text[i] === '{') braceDepth++;
      if (text[i] === '}') braceDepth = Math.max(0, braceDepth - 1);
      out += text[i];
      i++;
    }
    if (commentDepth > 0 && segment >= 0 && text.length > segment) {
      comments.push({ line, col: segment, end: text.length, text: text.slice(segment) });
    }
    masked.push(out);
    depths.push(depth);
  });
  return { masked, depths, comments, strings };
}

function* matches(re, text) {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    yield m;
    if (m[0] === '') re.lastIndex++;
  }
}

// { keyword, number, unit, comment, reference, field, percentile, string, definition, base }:
// each a list of { line, col, end, text } (0-based line and column, end exclusive).
export function keyTokens(lines, keywords) {
  const { masked, depths, comments, strings } = mask(lines);
  const found = {
    keyword: [], number: [], unit: [], comment: comments, reference: [], field: [],
    percentile: [], string: strings, definition: [], base: [],
  };
  const add = (kind, line, col, text) => found[kind].push({ line, col, end: col + text.length, text });
  const kwSet = new Set(keywords);
  const valueKeywords = new Set(pestValueKeywords());

  masked.forEach((text, line) => {
    const depthAt = (col) => depths[line][col] ?? 0;
    for (const m of matches(/[A-Za-z_][A-Za-z0-9_]*/g, text)) {
      const col = m.index;
      if (col > 0 && (IDENT_CHAR.test(text[col - 1]) || text[col - 1] === '.')) continue;
      if (depthAt(col) !== 0 || /^\s*\./.test(text.slice(col + m[0].length))) continue;
      if (kwSet.has(m[0])) add('keyword', line, col, m[0]);
    }
    for (const m of matches(/(?<![A-Za-z0-9_.])(device|model|pool|workload)[ \t]+(?!from(?![A-Za-z0-9_]))([A-Za-z_][A-Za-z0-9_]*)/g, text)) {
      if (depthAt(m.index) === 0) add('definition', line, m.index + m[0].length - m[2].length, m[2]);
    }
    for (const m of matches(/(?<![A-Za-z0-9_.])from[ \t]+([A-Za-z_][A-Za-z0-9_]*)/g, text)) {
      if (depthAt(m.index) === 0) add('base', line, m.index + m[0].length - m[1].length, m[1]);
    }
    for (const m of matches(new RegExp(`(?<![A-Za-z0-9_.])${NUMERAL}`, 'g'), text)) {
      if (depthAt(m.index) > 0) add('number', line, m.index, m[0]);
    }
    // A unit: atoms joined by `/` right after a number and its scale on the same line, unless
    // what follows starts the next entry (the grammar's `unit_stop`). Each step is taken whole,
    // never undone, as a PEG does.
    for (const m of matches(new RegExp(`(?<![A-Za-z0-9_.])${NUMERAL}`, 'g'), text)) {
      if (depthAt(m.index) === 0) continue;
      let pos = m.index + m[0].length;
      if (/^[kMGT](?![A-Za-z0-9_$%])/.test(text.slice(pos))) pos++;
      const unit = new RegExp(`^[ \\t]*(${ATOM}(?:/${ATOM})*)`).exec(text.slice(pos));
      if (!unit) continue;
      const rest = text.slice(pos + unit[0].length);
      const stops = /^[ \t]*[=<{:]/.test(rest) || new RegExp(`^[ \\t]+${PERCENTILE}`).test(rest);
      if (!stops) add('unit', line, pos + unit[0].length - unit[1].length, unit[1]);
    }
    // A field: the word before `=`, or the metric of a bound (`ttft` in `ttft p90 <= 1 s`).
    const fieldRe = new RegExp(`(?<![A-Za-z0-9_.$%])([A-Za-z_][A-Za-z0-9_]*)(?:[ \\t]*=|[ \\t]+${PERCENTILE})`, 'g');
    for (const m of matches(fieldRe, text)) {
      if (depthAt(m.index) > 0) add('field', line, m.index, m[1]);
    }
    // A value: a reference, or a keyword of values (`arrivals = poisson`, `input = uniform(…)`).
    for (const m of matches(/=[ \t]*([A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_])/g, text)) {
      if (depthAt(m.index) === 0) continue;
      const kind = valueKeywords.has(m[1]) ? 'keyword' : 'reference';
      add(kind, line, m.index + m[0].length - m[1].length, m[1]);
    }
    for (const m of matches(new RegExp(`(?<![A-Za-z0-9_.])${PERCENTILE}(?=[ \\t]*<)`, 'g'), text)) {
      if (depthAt(m.index) > 0) add('percentile', line, m.index, m[0]);
    }
  });
  return found;
}

// The classes the issue names; every file is checked for each of them that it has.
export const KEY_CLASSES = ['keyword', 'number', 'unit', 'comment', 'reference'];
export const ALL_CLASSES = [...KEY_CLASSES, 'field', 'percentile', 'string', 'definition', 'base'];
