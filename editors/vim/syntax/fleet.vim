" Vim syntax file
" Language:   fleet (plans of LLM inference fleets, for fleetplan)
" Filenames:  *.fleet
"
" The language is grammar/fleet.pest. The `syn keyword` lists below hold exactly its kw_* rules:
" editors/tests/keywords.test.mjs fails when the two differ. Unit and field names live in the
" compiler and are not listed: a unit is the word(s) right after a number on the same line, a
" field is the word before `=` or `{` inside a block.

if exists('b:current_syntax')
  finish
endif
scriptencoding utf-8
let s:cpo_save = &cpo
set cpo&vim

syn case match
" Block comments nest and braces can be far apart: read from the start (files are small).
syn sync fromstart

" --- Comments and strings ---
syn keyword fleetTodo         contained TODO FIXME XXX NOTE
syn match   fleetLineComment  "//.*$" contains=fleetTodo,@Spell
syn region  fleetBlockComment start="/\*" end="\*/" contains=fleetBlockComment,fleetTodo,@Spell
" No escapes; an unterminated string ends at the end of the line.
syn region  fleetString       start=+"+ end=+"+ end=+$+ oneline

" --- Top level ---
" A bare word: the end of a `use` path, an imported name, the metric after `minimize` or `maximize`.
syn match   fleetReference    "\<\h\w*\>"
" `std` and `hardware` in `use std.hardware.h200`.
syn match   fleetNamespace    "\<\h\w*\>\ze\s*\."
syn match   fleetAccessor     "\."
syn match   fleetGlob         "\%(\.\s*\)\@<=\*"
syn region  fleetUseGroup     matchgroup=fleetBrace start="\.\s*{" end="}" contains=fleetReference,fleetComma,fleetLineComment,fleetBlockComment
syn match   fleetComma        "," contained

" Keywords exist only outside blocks: inside one, every word is a field name or a value, so the
" block region below does not contain them (`model = llama` is a field).
syn keyword fleetInclude      use
syn keyword fleetKeyword      device model pool workload nextgroup=fleetDefName skipwhite
syn keyword fleetKeyword      from nextgroup=fleetBase skipwhite
syn keyword fleetKeyword      site objective minimize maximize
" The distributions and arrival processes are keywords in value position too (`uniform(…)`,
" `arrivals = poisson`): the block cluster holds them.
syn keyword fleetValueKeyword uniform lognormal empirical poisson bursty measured hf
syn match   fleetDefName      "\<\h\w*\>" contained
syn match   fleetBase         "\<\h\w*\>" contained

" --- Blocks ---
syn cluster fleetInBlock      contains=fleetValueKeyword,fleetLineComment,fleetBlockComment,fleetString,fleetReference,fleetField,fleetBound,fleetPercentile,fleetNumber,fleetOperator,fleetBlock
syn region  fleetBlock        matchgroup=fleetBrace start="{" end="}" contains=@fleetInBlock fold
" Later items win at the same column, so a word before `=`, `{`, `:` or `<` is a field, and a
" word before a percentile is the metric of a bound (`ttft p90 <= 2 s`); any other is a value.
syn match   fleetField        "\<\h\w*\>\ze\s*[={:<]" contained
syn match   fleetBound        "\<\h\w*\>\ze\s\+\%(p\d\+\%(\.\d\+\)\=\|mean\)\>" contained nextgroup=fleetPercentile skipwhite
syn match   fleetPercentile   "\<\%(p\d\+\%(\.\d\+\)\=\|mean\)\>\%(\s*<\)\@=" contained
syn match   fleetOperator     "<=\|<\|=\|:" contained
" A quantity: numeral, count scale glued to it (`24k`, `70.6G`), then a unit on the same line
" (`80 GB`, `4.8 TB/s`, `3.80 $/h`, `85%`). As in the grammar, the unit is dropped when it
" would start the next entry (`layers = 80  hidden = 8192`, `ttft p90 <= 2  tpot p90 <= 40 ms`).
syn match   fleetNumber       "\%(\w\|\.\)\@1<!-\=\d[0-9_]*\%(\.\d\+\)\=\%([eE][+-]\=\d\+\)\=\%([kMGT]\%(\w\|[$%]\)\@!\)\=" contained nextgroup=fleetUnit skipwhite
syn match   fleetUnit         "\%(\%(\$\|%\|\%(\a\|µ\)\a*\>\)\%(/\%(\$\|%\|\%(\a\|µ\)\a*\>\)\)*\)\@>\%(\s*[={<:]\|\s\+\%(p\d\+\%(\.\d\+\)\=\|mean\)\>\)\@!" contained

" --- Colours ---
" Keywords, numbers, units, references and comments land in five different default groups.
hi def link fleetTodo         Todo
hi def link fleetLineComment  Comment
hi def link fleetBlockComment Comment
hi def link fleetString       String
hi def link fleetInclude      Include
hi def link fleetKeyword      Keyword
hi def link fleetValueKeyword Keyword
hi def link fleetDefName      Function
hi def link fleetBase         Tag
hi def link fleetReference    Tag
hi def link fleetNamespace    Include
hi def link fleetAccessor     Delimiter
hi def link fleetGlob         Operator
hi def link fleetComma        Delimiter
hi def link fleetBrace        Delimiter
hi def link fleetField        Identifier
hi def link fleetBound        Identifier
hi def link fleetPercentile   Constant
hi def link fleetOperator     Operator
hi def link fleetNumber       Number
hi def link fleetUnit         Type

let b:current_syntax = 'fleet'
let &cpo = s:cpo_save
unlet s:cpo_save
