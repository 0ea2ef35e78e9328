// The keywords of the language: the literals of the `kw_*` rules of grammar/fleet.pest.
import fs from 'node:fs';
import { PEST_GRAMMAR } from './paths.mjs';

export function pestKeywords(file = PEST_GRAMMAR) {
  const text = fs.readFileSync(file, 'utf8');
  const keywords = [];
  for (const m of text.matchAll(/^\s*kw_([A-Za-z0-9_]+)\s*=\s*[@_$!]?\{\s*"([^"]+)"/gm)) {
    keywords.push(m[2]);
  }
  const rules = [...text.matchAll(/^\s*kw_[A-Za-z0-9_]+\s*=/gm)].length;
  if (rules !== keywords.length) {
    throw new Error(`${file}: ${rules} kw_* rules but only ${keywords.length} start with a string literal`);
  }
  return keywords;
}

// The keywords that stand in value position (inside blocks): those the grammar's `call_name` and
// `symbol` rules name (`uniform(…)`, `arrivals = poisson`). Every other keyword exists only at
// the top level.
export function pestValueKeywords(file = PEST_GRAMMAR) {
  const text = fs.readFileSync(file, 'utf8');
  const literal = new Map([...text.matchAll(/^\s*kw_([A-Za-z0-9_]+)\s*=\s*[@_$!]?\{\s*"([^"]+)"/gm)].map((m) => [m[1], m[2]]));
  const found = [];
  for (const m of text.matchAll(/^\s*(?:call_name|symbol)\s*=\s*[@_$!]?\{([^}]*)\}/gm)) {
    for (const k of m[1].matchAll(/kw_([A-Za-z0-9_]+)/g)) {
      if (literal.has(k[1])) found.push(literal.get(k[1]));
    }
  }
  return found;
}
