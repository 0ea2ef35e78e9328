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
