//! One test per layout rule, on small inputs; `properties` checks the invariants (idempotent,
//! same AST, same comments) on every corpus file and on generated inputs.

use super::format_source;
use crate::source::FileId;

mod properties;

fn fmt(text: &str) -> String {
    format_source(FileId(0), text).unwrap_or_else(|e| panic!("does not parse: {e:?}\n{text}"))
}

/// Formats `input` into `expected`, and `expected` into itself.
#[track_caller]
fn assert_fmt(input: &str, expected: &str) {
    assert_eq!(fmt(input), expected, "formatting:\n{input}");
    assert_eq!(fmt(expected), expected, "formatting the output again changed it");
}

#[test]
fn definition_header_and_entries() {
    assert_fmt(
        "device   h200x   from h200{compute{fp8=1979 TFLOPS}\n   power=700W}",
        "\
device h200x from h200 {
  compute { fp8 = 1979 TFLOPS }
  power = 700 W
}
",
    );
}

#[test]
fn quantities_keep_numerals_as_written() {
    assert_fmt(
        "pool p {\n a = 80GB\n b = 85 %\n c = 3.80 $/h\n d = 1_000\n e = 70.6G\n f = 4k\ttokens\n \
         g = 4.8 TB/s\n h = -2.5e3W\n i = 1k %\n j = 30.0 min\n}",
        "\
pool p {
  a = 80 GB
  b = 85%
  c = 3.80 $/h
  d = 1_000
  e = 70.6G
  f = 4k tokens
  g = 4.8 TB/s
  h = -2.5e3 W
  i = 1k %
  j = 30.0 min
}
",
    );
}

#[test]
fn symbols_strings_and_bounds() {
    assert_fmt(
        "workload w {\n model=llama\n note = \"a  b\"\n slo {\n ttft   p90<=150ms\n \
         tpot p99.9 <= 40 ms\n e2e mean <= 2 s }\n}",
        "\
workload w {
  model = llama
  note = \"a  b\"
  slo {
    ttft p90 <= 150 ms
    tpot p99.9 <= 40 ms
    e2e mean <= 2 s
  }
}
",
    );
}

#[test]
fn use_forms() {
    assert_fmt(
        "use std.hardware.{h200,b200,}\nuse  std.models . *\nuse \"common.fleet\"\n\
         use \"common.fleet\" .{ gpu , cpu }\nuse std.hardware.h200",
        "\
use std.hardware.{h200, b200}
use std.models.*
use \"common.fleet\"
use \"common.fleet\".{gpu, cpu}
use std.hardware.h200
",
    );
}

#[test]
fn objective() {
    assert_fmt("objective   minimize\n  cost", "objective minimize cost\n");
}

#[test]
fn blank_lines_between_items() {
    assert_fmt(
        "use a.b\nuse a.c\n\n\n\nuse a.d\ndevice x {}\nobjective minimize cost\n\
         pool p {} pool q {}\nsite {}\n\n\n\nobjective minimize cost",
        "\
use a.b
use a.c

use a.d

device x {}

objective minimize cost

pool p {}

pool q {}

site {}

objective minimize cost
",
    );
    // Neither is a block: the source's choice stands.
    assert_fmt("use a.b\nobjective minimize cost\n", "use a.b\nobjective minimize cost\n");
    assert_fmt("use a.b\n\nobjective minimize cost\n", "use a.b\n\nobjective minimize cost\n");
}

#[test]
fn blank_lines_inside_blocks() {
    assert_fmt(
        "pool p {\n\n\n  a = 1\n\n\n\n  b = 2\n  c = 3\n\n}",
        "\
pool p {
  a = 1

  b = 2
  c = 3
}
",
    );
}

#[test]
fn leading_and_trailing_blank_lines_go() {
    assert_fmt("\n\n\nobjective minimize cost\n\n\n", "objective minimize cost\n");
}

#[test]
fn trailing_comments_stay_on_their_line() {
    assert_fmt(
        "use a.b // why\npool p { // about p\n  a = 1      // one\n  b = 2 /* two */\n}   // end   ",
        "\
use a.b  // why

pool p {  // about p
  a = 1  // one
  b = 2  /* two */
}  // end
",
    );
}

#[test]
fn own_line_comments_take_the_next_entrys_indentation() {
    assert_fmt(
        "// header\n\n// about p\npool p {\n      // about a\n  a = 1\n\n\n// about b\n    b = 2\n}",
        "\
// header

// about p
pool p {
  // about a
  a = 1

  // about b
  b = 2
}
",
    );
}

#[test]
fn no_blank_line_after_open_brace_even_before_a_comment() {
    assert_fmt("pool p {\n\n  // c\n\n  a = 1\n}", "pool p {\n  // c\n\n  a = 1\n}\n");
    assert_fmt("pool p { // c\n\n  a = 1\n}", "pool p {  // c\n  a = 1\n}\n");
}

#[test]
fn required_blank_line_goes_above_the_comment_on_a_definition() {
    assert_fmt("use a.b\n// about p\npool p {}", "use a.b\n\n// about p\npool p {}\n");
    // A blank line already in the gap satisfies the rule where it is.
    assert_fmt("pool p {}\n// after p\n\npool q {}", "pool p {}\n// after p\n\npool q {}\n");
}

#[test]
fn comment_as_last_thing_in_a_block_keeps_the_entries_indentation() {
    assert_fmt(
        "workload w {\n  slo {\n    ttft p90 <= 1 s\n\n\n    // tpot p90 <= 40 ms\n  }\n  \
         rate = 1 req/s\n  // more later\n}",
        "\
workload w {
  slo {
    ttft p90 <= 1 s

    // tpot p90 <= 40 ms
  }
  rate = 1 req/s
  // more later
}
",
    );
}

#[test]
fn nested_block_on_one_line_stays_there() {
    assert_fmt(
        "workload w {\n  slo {ttft p90<=150 ms tpot p90 <= 4 ms}\n  memory { }\n}",
        "\
workload w {
  slo { ttft p90 <= 150 ms  tpot p90 <= 4 ms }
  memory {}
}
",
    );
    // Two levels deep, still one line.
    assert_fmt(
        "model m {\n  a { b { c = 1 } d = 2 }\n}",
        "model m {\n  a { b { c = 1 }  d = 2 }\n}\n",
    );
}

#[test]
fn nested_block_over_several_lines_is_expanded() {
    assert_fmt(
        "workload w {\n  slo { ttft p90 <= 1 s\n    tpot p90 <= 40 ms }\n  memory {\n  }\n}",
        "\
workload w {
  slo {
    ttft p90 <= 1 s
    tpot p90 <= 40 ms
  }
  memory {}
}
",
    );
}

#[test]
fn nested_block_with_a_comment_inside_is_expanded() {
    assert_fmt(
        "workload w {\n  slo { ttft p90 <= 1 s /* c */ }\n}",
        "workload w {\n  slo {\n    ttft p90 <= 1 s  /* c */\n  }\n}\n",
    );
    // A comment after the block is not inside it.
    assert_fmt(
        "workload w {\n  slo { ttft p90 <= 1 s }   // c\n}",
        "workload w {\n  slo { ttft p90 <= 1 s }  // c\n}\n",
    );
}

#[test]
fn nested_block_wider_than_the_limit_is_expanded() {
    let fields: Vec<String> = (0..8).map(|i| format!("field_{i} = {i}00 GB")).collect();
    let input = format!("model m {{\n  compute {{ {} }}\n}}", fields.join(" "));
    let expected = format!(
        "model m {{\n  compute {{\n{}  }}\n}}\n",
        fields.iter().map(|f| format!("    {f}\n")).collect::<String>()
    );
    assert_fmt(&input, &expected);
    // Exactly 100 columns fits.
    let value = "x".repeat(100 - "  compute { a = \"\" }".len());
    let fits = format!("model m {{\n  compute {{ a = \"{value}\" }}\n}}\n");
    assert_eq!(fits.lines().nth(1).map(str::len), Some(100));
    assert_fmt(&fits, &fits);
    let too_wide = format!("model m {{\n  compute {{ a = \"x{value}\" }}\n}}\n");
    let expanded = format!("model m {{\n  compute {{\n    a = \"x{value}\"\n  }}\n}}\n");
    assert_fmt(&too_wide, &expanded);
}

#[test]
fn empty_blocks_are_one_pair_of_braces() {
    assert_fmt("device x {\n\n}", "device x {}\n");
    assert_fmt("site{}", "site {}\n");
}

#[test]
fn a_comment_keeps_an_empty_block_open() {
    assert_fmt("device x { /* c */ }", "device x {  /* c */\n}\n");
    assert_fmt("device x {\n    // todo\n}", "device x {\n  // todo\n}\n");
}

#[test]
fn comments_at_end_of_file_are_kept() {
    assert_fmt("pool p {}\n\n\n// end\n// more   \n\n\n", "pool p {}\n\n// end\n// more\n");
    assert_fmt("// only a comment", "// only a comment\n");
    assert_fmt("objective minimize cost // eof", "objective minimize cost  // eof\n");
}

#[test]
fn multi_line_block_comment_is_copied_verbatim() {
    assert_fmt(
        "pool p {\n      /* keep\n         this   \n   layout */\n  a = 1\n}\n/* a /* nested */\n b */",
        "\
pool p {
  /* keep
         this
   layout */
  a = 1
}
/* a /* nested */
 b */
",
    );
}

#[test]
fn crlf_becomes_lf() {
    assert_fmt(
        "pool p {\r\n  a = 1 // c\r\n\r\n  b = 2\r\n}\r\n/* x\r\n   y */\r\n",
        "pool p {\n  a = 1  // c\n\n  b = 2\n}\n/* x\n   y */\n",
    );
}

#[test]
fn comments_inside_an_entry_stay_inline() {
    assert_fmt(
        "device /* d */ x { a /* x */ = 1\n  b = // y\n  2\n c = /* z */\n 3 }",
        "\
device /* d */ x {
  a = /* x */ 1
  b =  // y
    2
  c = /* z */ 3
}
",
    );
    assert_fmt("use a.{b, // c\nd}", "use a.{b,  // c\n  d}\n");
}

#[test]
fn empty_input_gives_empty_output() {
    assert_fmt("", "");
    assert_fmt(" \n\n\t\n", "");
}

#[test]
fn syntax_errors_are_returned() {
    for bad in ["pool p { a: 1 }", "pool {", "pool p { a = 1 ", "/* open"] {
        let errors = format_source(FileId(0), bad).err();
        assert!(errors.is_some_and(|e| !e.is_empty()), "no error for {bad:?}");
    }
}

#[test]
fn calls_on_one_line_with_comma_separated_arguments() {
    assert_fmt(
        "workload w {\n input = lognormal (\n  p50=1.5k   tokens ,\n  p99 = 12k tokens, )\n \
         output = empirical( \"out.csv\" )\n arrivals = bursty(cv=2)  arrivals2 = poisson\n \
         x = uniform()\n}",
        "\
workload w {
  input = lognormal(p50 = 1.5k tokens, p99 = 12k tokens)
  output = empirical(\"out.csv\")
  arrivals = bursty(cv = 2)
  arrivals2 = poisson
  x = uniform()
}
",
    );
}

#[test]
fn comments_inside_a_call_are_kept_after_it() {
    assert_fmt(
        "workload w {\n  input = uniform(\n    low = 1k tokens,  // short turns\n    high = 4k tokens\n  )\n}\n",
        "\
workload w {
  input = uniform(low = 1k tokens, high = 4k tokens)  // short turns
}
",
    );
}
