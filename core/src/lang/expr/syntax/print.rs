//! Printing an expression back as text that parses to the same tree.

#[allow(unused_imports)]
use super::*;

/// A non-negative number as a literal that parses back to it: integers and
/// finite decimals as they are, other fractions as `(n/d)`.
pub(super) fn number_literal(n: &Number) -> String {
    if n.is_integer() || n.decimal_places().is_some() {
        n.to_string()
    } else {
        format!("({}/{})", n.numer(), n.denom())
    }
}

pub(super) fn write_text(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    if s.contains('"') {
        write!(f, "'{s}'")
    } else {
        write!(f, "\"{s}\"")
    }
}

impl fmt::Display for Expr {
    /// Prints the expression in canonical form: every compound operand in
    /// parentheses, so that the printed text parses back to the same tree.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Number(n) => {
                if n.is_negative() {
                    write!(f, "(-{})", number_literal(&n.abs()))
                } else {
                    f.write_str(&number_literal(n))
                }
            }
            ExprKind::Text(s) => write_text(f, s),
            ExprKind::Date(d) => write!(f, "{d}"),
            ExprKind::DateTime(d) => write!(f, "{}", d.to_string().get(..16).unwrap_or_default()),
            ExprKind::Bool(b) => write!(f, "{b}"),
            ExprKind::Path(p) => f.write_str(&p.join(".")),
            ExprKind::Field(e, name) => write!(f, "({e}).{name}"),
            ExprKind::Neg(e) => write!(f, "(-{e})"),
            ExprKind::Not(e) => write!(f, "(not {e})"),
            ExprKind::Binary(op, a, b) => write!(f, "({a} {} {b})", op.symbol()),
            ExprKind::Chain(first, rest) => {
                write!(f, "({first}")?;
                for (op, e) in rest {
                    write!(f, " {} {e}", op.symbol())?;
                }
                f.write_str(")")
            }
            ExprKind::If(c, a, b) => write!(f, "(if {c} then {a} else {b})"),
            ExprKind::Call { name, args, named } => {
                write!(f, "{}(", name.join("."))?;
                let mut first = true;
                for a in args {
                    if !first {
                        f.write_str(", ")?;
                    }
                    first = false;
                    write!(f, "{a}")?;
                }
                for (n, a) in named {
                    if !first {
                        f.write_str(", ")?;
                    }
                    first = false;
                    write!(f, "{n} = {a}")?;
                }
                f.write_str(")")
            }
            ExprKind::Aggregate { kind, body, var, list, filter, init } => {
                let (open, close) =
                    if *kind == AggKind::List { ("[".to_string(), "]") } else { (format!("{}(", kind.name()), ")") };
                f.write_str(&open)?;
                if let Some((acc, start)) = init {
                    write!(f, "{acc} = {start}, ")?;
                }
                match body {
                    Some(b) => write!(f, "{b} for {var} in {list}")?,
                    None => write!(f, "{var} in {list}")?,
                }
                if let Some(c) = filter {
                    write!(f, " where {c}")?;
                }
                f.write_str(close)
            }
            ExprKind::List(items) => {
                f.write_str("[")?;
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{e}")?;
                }
                f.write_str("]")
            }
            ExprKind::Record(fields) => {
                f.write_str("{")?;
                for (i, (n, e)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{n}: {e}")?;
                }
                f.write_str("}")
            }
        }
    }
}
