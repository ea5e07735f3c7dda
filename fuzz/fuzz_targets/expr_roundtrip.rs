//! The expression parser and printer: for any expression the generator
//! builds (long chains, deep nesting, huge literals, long lists), parsing
//! never panics or overflows the stack; whatever parses prints to text that
//! parses to the same tree, and printing that tree again gives the same
//! text. Raw bytes are tried as well.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use ordinance_core::expr::syntax;

/// An expression shape, built by `arbitrary` from the fuzzer's bytes. The
/// `Many`, `Nest`, `Digits` and `Items` forms reach the limits with few
/// bytes: one length field makes a 60,000-term chain.
#[derive(Arbitrary, Debug)]
enum Shape {
    Int(u64),
    Decimal(u32, u16),
    Digits(u16),
    Name(u8),
    Text(u8),
    Field(Box<Shape>, u8),
    Not(Box<Shape>),
    Neg(Box<Shape>),
    Chain(Box<Shape>, Vec<(Op, Shape)>),
    Many(Op, u16),
    Nest(u16),
    Compare(Box<Shape>, Cmp, Box<Shape>),
    Call(Func, Vec<Shape>),
    Items(u16),
    List(Vec<Shape>),
    If(Box<Shape>, Box<Shape>, Box<Shape>),
    Sum(Box<Shape>),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
    And,
    Or,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Func {
    Min,
    Max,
    Round,
    Pow,
    Abs,
    Length,
}

const NAMES: [&str; 6] = ["a", "b", "xs", "roster", "rate_1", "总数"];

fn op(o: Op) -> &'static str {
    match o {
        Op::Add => "+",
        Op::Sub => "-",
        Op::Mul => "*",
        Op::Div => "/",
        Op::And => "and",
        Op::Or => "or",
    }
}

/// Writes the shape as source text, bounded to `budget` characters so that
/// one case stays small enough to run quickly (the limits are still met:
/// the parser's are 100,000 characters).
fn write(s: &Shape, out: &mut String, budget: usize) {
    if out.len() > budget {
        out.push('1');
        return;
    }
    match s {
        Shape::Int(n) => out.push_str(&n.to_string()),
        Shape::Decimal(a, b) => out.push_str(&format!("{a}.{b:04}")),
        Shape::Digits(n) => out.push_str(&"9".repeat(usize::from(*n) % 3000 + 1)),
        Shape::Name(i) => out.push_str(NAMES[usize::from(*i) % NAMES.len()]),
        Shape::Text(i) => out.push_str(["\"A\"", "\"矿井\"", "\"\"", "\"a b\""][usize::from(*i) % 4]),
        Shape::Field(e, i) => {
            out.push('(');
            write(e, out, budget);
            out.push_str(").");
            out.push_str(["class", "sector", "on"][usize::from(*i) % 3]);
        }
        Shape::Not(e) => {
            out.push_str("not (");
            write(e, out, budget);
            out.push(')');
        }
        Shape::Neg(e) => {
            out.push_str("-(");
            write(e, out, budget);
            out.push(')');
        }
        Shape::Chain(first, rest) => {
            write(first, out, budget);
            for (o, e) in rest {
                out.push(' ');
                out.push_str(op(*o));
                out.push(' ');
                write(e, out, budget);
            }
        }
        Shape::Many(o, n) => {
            out.push('a');
            for _ in 0..*n {
                if out.len() > budget {
                    break;
                }
                out.push(' ');
                out.push_str(op(*o));
                out.push_str(" a");
            }
        }
        Shape::Nest(n) => {
            let n = usize::from(*n);
            out.push_str(&"(".repeat(n));
            out.push('a');
            out.push_str(&")".repeat(n));
        }
        Shape::Compare(a, c, b) => {
            write(a, out, budget);
            out.push_str(match c {
                Cmp::Eq => " == ",
                Cmp::Ne => " != ",
                Cmp::Lt => " < ",
                Cmp::Le => " <= ",
                Cmp::Gt => " > ",
                Cmp::Ge => " >= ",
                Cmp::In => " in ",
            });
            write(b, out, budget);
        }
        Shape::Call(f, args) => {
            out.push_str(match f {
                Func::Min => "min(",
                Func::Max => "max(",
                Func::Round => "round(",
                Func::Pow => "pow(",
                Func::Abs => "abs(",
                Func::Length => "length(",
            });
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(a, out, budget);
            }
            out.push(')');
        }
        Shape::Items(n) => {
            out.push('[');
            for i in 0..*n {
                if out.len() > budget {
                    break;
                }
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&i.to_string());
            }
            out.push(']');
        }
        Shape::List(items) => {
            out.push('[');
            for (i, a) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(a, out, budget);
            }
            out.push(']');
        }
        Shape::If(c, a, b) => {
            out.push_str("if ");
            write(c, out, budget);
            out.push_str(" then ");
            write(a, out, budget);
            out.push_str(" else ");
            write(b, out, budget);
        }
        Shape::Sum(e) => {
            out.push_str("sum(r.visits for r in roster where ");
            write(e, out, budget);
            out.push(')');
        }
    }
}

fn round_trip(text: &str) {
    let Ok(tree) = syntax::parse(text) else { return };
    let printed = tree.to_string();
    let again = syntax::parse(&printed).unwrap_or_else(|e| panic!("printed text does not parse: {e:?}\n{printed}"));
    assert_eq!(again, tree, "the printed text parses to another tree:\n{text}\n{printed}");
    assert_eq!(again.to_string(), printed, "printing is not stable");
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        round_trip(text);
    }
    let mut u = Unstructured::new(data);
    if let Ok(shape) = Shape::arbitrary(&mut u) {
        let mut text = String::new();
        write(&shape, &mut text, 120_000);
        round_trip(&text);
    }
});
