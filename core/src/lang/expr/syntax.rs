//! The ordinance expression language: tokens, syntax tree, parser and printer.
//!
//! ```text
//! expr    := 'if' expr 'then' expr 'else' expr | or
//! or      := and ('or' and)*            and := not ('and' not)*
//! not     := 'not' not | cmp            cmp := add (op add)?   op: == != < <= > >= in
//! add     := mul (('+'|'-') mul)*       mul := unary (('*'|'×'|'/'|'÷') unary)*
//! unary   := '-' unary | postfix        postfix := primary ('.' name)*
//! primary := number | number'%' | "text" | 'text' | YYYY-MM-DD | true | false
//!          | '(' expr ')' | '[' expr, … ']' | '[' expr for x in expr (where expr)? ']'
//!          | '{' name: expr, … '}' | name | name.name… '(' args ')'   args: expr, … or name = expr, …
//!          | agg '(' expr for x in expr (where expr)? ')'   agg: sum count min max any all
//! ```
//! Full-width parentheses （） and the signs × ÷ are accepted so that a formula
//! can be quoted as printed in the source text.

use crate::values::date::{Date, DateTime};
use crate::values::number::Number;
use std::fmt;

mod lex;
#[allow(unused_imports)]
use lex::*;

mod print;
#[allow(unused_imports)]
use print::*;

/// The most characters an expression may have. Parsing, checking and
/// evaluation are linear in the length, and no shape of expression nests
/// deeper than [`MAX_DEPTH`], so this bounds time, not the stack.
pub const MAX_EXPR_CHARS: usize = 100_000;
/// The deepest nesting the parser accepts.
pub const MAX_DEPTH: usize = 64;

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `and`
    And,
    /// `or`
    Or,
    /// `in` (membership in a list)
    In,
    /// `??`: the left value, or the right one where the left is absent
    Coalesce,
}

impl BinOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::In => "in",
            BinOp::Coalesce => "??",
        }
    }
}

/// An aggregate over a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggKind {
    /// Sum of the body over the elements.
    Sum,
    /// Number of elements (that pass the filter).
    Count,
    /// Least value of the body.
    Min,
    /// Greatest value of the body.
    Max,
    /// True if the body holds for some element.
    Any,
    /// True if the body holds for every element.
    All,
    /// The list of body values (a list comprehension).
    List,
    /// The elements themselves, ordered by the body (the key), ties kept in
    /// list order: `sort_by(e.score for e in roster)`.
    SortBy,
    /// A running value carried from element to element, its last value:
    /// `fold(total = 0, total + m.pay for m in months)`.
    Fold,
    /// The same running value, every step of it: one per element taken.
    Scan,
}

impl AggKind {
    /// The aggregate's name as written (`List` is the bracket form).
    pub fn name(self) -> &'static str {
        match self {
            AggKind::Sum => "sum",
            AggKind::Count => "count",
            AggKind::Min => "min",
            AggKind::Max => "max",
            AggKind::Any => "any",
            AggKind::All => "all",
            AggKind::List => "list",
            AggKind::SortBy => "sort_by",
            AggKind::Fold => "fold",
            AggKind::Scan => "scan",
        }
    }

    fn from_name(s: &str) -> Option<AggKind> {
        Some(match s {
            "sum" => AggKind::Sum,
            "count" => AggKind::Count,
            "min" => AggKind::Min,
            "max" => AggKind::Max,
            "any" | "some" => AggKind::Any,
            "all" | "every" => AggKind::All,
            "sort_by" => AggKind::SortBy,
            "fold" => AggKind::Fold,
            "scan" => AggKind::Scan,
            _ => return None,
        })
    }
}

/// A syntax-tree node with the character offset where it starts.
#[derive(Clone, Debug)]
pub struct Expr {
    /// The node.
    pub kind: ExprKind,
    /// Offset (in characters) of the node's first character in the source.
    pub pos: usize,
}

impl PartialEq for Expr {
    /// Positions are ignored: two trees are equal when they mean the same.
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

/// The kinds of syntax node.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A number literal.
    Number(Number),
    /// A text literal.
    Text(String),
    /// A date literal.
    Date(Date),
    /// A datetime literal.
    DateTime(DateTime),
    /// `true` / `false`.
    Bool(bool),
    /// A name, possibly dotted: `roster`, `r.class`, `energy_safety.officers`.
    Path(Vec<String>),
    /// Field access on a computed value: `f(x).total`.
    Field(Box<Expr>, String),
    /// `-x`
    Neg(Box<Expr>),
    /// `not x`
    Not(Box<Expr>),
    /// `a op b`: a comparison or `in` (which do not chain).
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a op b op c …`: operators of one precedence level (`+ -`, `* /`,
    /// `and`, `or`) applied left to right. A flat list, not a nested tree, so
    /// that a formula of thousands of terms is no deeper than one of two.
    Chain(Box<Expr>, Vec<(BinOp, Expr)>),
    /// `if c then a else b`
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// A call: `name(args)`; named arguments for rules, positional for
    /// built-in functions.
    Call {
        /// The dotted name called.
        name: Vec<String>,
        /// Positional arguments.
        args: Vec<Expr>,
        /// Named arguments (`name: expr`).
        named: Vec<(String, Expr)>,
    },
    /// An aggregate or comprehension: `sum(body for var in list where filter)`.
    Aggregate {
        /// Which aggregate.
        kind: AggKind,
        /// The element expression (absent for `count(x in list …)`).
        body: Option<Box<Expr>>,
        /// The loop variable.
        var: String,
        /// The list iterated.
        list: Box<Expr>,
        /// The filter.
        filter: Option<Box<Expr>>,
        /// For `fold` and `scan`: the running value's name and its initial
        /// value.
        init: Option<(String, Box<Expr>)>,
    },
    /// `[a, b, c]`
    List(Vec<Expr>),
    /// `{name: expr, …}`
    Record(Vec<(String, Expr)>),
}

/// A syntax error with the character offset where it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Offset in characters.
    pub pos: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is a useful hint.
    pub help: Option<String>,
}

const KEYWORDS: &[&str] = &["if", "then", "else", "and", "or", "not", "in", "for", "where", "true", "false"];

struct Parser {
    toks: Vec<(Tok, usize)>,
    i: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        self.toks.get(self.i).map(|(t, _)| t).unwrap_or(&Tok::End)
    }
    fn peek_at(&self, k: usize) -> &Tok {
        self.toks.get(self.i + k).map(|(t, _)| t).unwrap_or(&Tok::End)
    }
    fn pos(&self) -> usize {
        self.toks.get(self.i).map(|(_, p)| *p).or_else(|| self.toks.last().map(|(_, p)| *p)).unwrap_or(0)
    }
    fn bump(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.i < self.toks.len() {
            self.i += 1;
        }
        t
    }
    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Tok::Sym(x) if *x == s)
    }
    fn is_kw(&self, s: &str) -> bool {
        matches!(self.peek(), Tok::Ident(x) if x == s)
    }
    fn expect_sym(&mut self, s: &str) -> Result<(), SyntaxError> {
        if self.is_sym(s) {
            self.bump();
            Ok(())
        } else {
            Err(err(self.pos(), format!("expected `{s}`, found {}", tok_desc(self.peek()))))
        }
    }
    fn expect_kw(&mut self, s: &str) -> Result<(), SyntaxError> {
        if self.is_kw(s) {
            self.bump();
            Ok(())
        } else {
            Err(err(self.pos(), format!("expected `{s}`, found {}", tok_desc(self.peek()))))
        }
    }
    fn name(&mut self) -> Result<String, SyntaxError> {
        match self.peek().clone() {
            Tok::Ident(s) if !KEYWORDS.contains(&s.as_str()) => {
                self.bump();
                Ok(s)
            }
            other => Err(err(self.pos(), format!("expected a name, found {}", tok_desc(&other)))),
        }
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            Err(SyntaxError {
                pos: self.pos(),
                message: format!("expression is nested more than {MAX_DEPTH} levels deep"),
                help: Some("split it into `let` steps".into()),
            })
        } else {
            Ok(())
        }
    }

    fn expr(&mut self) -> Result<Expr, SyntaxError> {
        self.enter()?;
        // nesting is bounded; a small host stack is topped up on the heap
        let r = stacker::maybe_grow(32 * 1024, 256 * 1024, || self.expr_inner());
        self.depth -= 1;
        r
    }

    fn expr_inner(&mut self) -> Result<Expr, SyntaxError> {
        let pos = self.pos();
        if self.is_kw("if") {
            self.bump();
            let c = self.expr()?;
            self.expect_kw("then")?;
            let a = self.expr()?;
            self.expect_kw("else")?;
            let b = self.expr()?;
            return Ok(Expr { kind: ExprKind::If(Box::new(c), Box::new(a), Box::new(b)), pos });
        }
        self.or()
    }

    /// Collects `first (op next)*` into one flat chain.
    fn chain(
        &mut self,
        op_of: fn(&Tok) -> Option<BinOp>,
        next: fn(&mut Self) -> Result<Expr, SyntaxError>,
    ) -> Result<Expr, SyntaxError> {
        let first = next(self)?;
        let mut rest = Vec::new();
        while let Some(op) = op_of(self.peek()) {
            self.bump();
            rest.push((op, next(self)?));
        }
        if rest.is_empty() {
            return Ok(first);
        }
        let pos = first.pos;
        Ok(Expr { kind: ExprKind::Chain(Box::new(first), rest), pos })
    }

    fn or(&mut self) -> Result<Expr, SyntaxError> {
        self.chain(|t| matches!(t, Tok::Ident(s) if s == "or").then_some(BinOp::Or), Self::and)
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        self.chain(|t| matches!(t, Tok::Ident(s) if s == "and").then_some(BinOp::And), Self::not)
    }

    fn not(&mut self) -> Result<Expr, SyntaxError> {
        if self.is_kw("not") {
            let pos = self.pos();
            self.bump();
            self.enter()?;
            let inner = self.not();
            self.depth -= 1;
            return Ok(Expr { kind: ExprKind::Not(Box::new(inner?)), pos });
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Expr, SyntaxError> {
        let left = self.coalesce()?;
        let op = match self.peek() {
            Tok::Sym("==") => BinOp::Eq,
            Tok::Sym("!=") => BinOp::Ne,
            Tok::Sym("<") => BinOp::Lt,
            Tok::Sym("<=") => BinOp::Le,
            Tok::Sym(">") => BinOp::Gt,
            Tok::Sym(">=") => BinOp::Ge,
            Tok::Ident(s) if s == "in" => BinOp::In,
            _ => return Ok(left),
        };
        self.bump();
        let right = self.coalesce()?;
        let pos = left.pos;
        if matches!(self.peek(), Tok::Sym("==" | "!=" | "<" | "<=" | ">" | ">=")) {
            return Err(SyntaxError {
                pos: self.pos(),
                message: "comparisons cannot be chained".into(),
                help: Some("join them with `and`, e.g. `a <= x and x < b`".into()),
            });
        }
        Ok(Expr { kind: ExprKind::Binary(op, Box::new(left), Box::new(right)), pos })
    }

    /// `a ?? b ?? c`: binds looser than arithmetic and tighter than
    /// comparison, so `x ?? 0 > 5` compares the filled-in value.
    fn coalesce(&mut self) -> Result<Expr, SyntaxError> {
        self.chain(|t| matches!(t, Tok::Sym("??")).then_some(BinOp::Coalesce), Self::add)
    }

    fn add(&mut self) -> Result<Expr, SyntaxError> {
        self.chain(
            |t| match t {
                Tok::Sym("+") => Some(BinOp::Add),
                Tok::Sym("-") => Some(BinOp::Sub),
                _ => None,
            },
            Self::mul,
        )
    }

    fn mul(&mut self) -> Result<Expr, SyntaxError> {
        self.chain(
            |t| match t {
                Tok::Sym("*") => Some(BinOp::Mul),
                Tok::Sym("/") => Some(BinOp::Div),
                _ => None,
            },
            Self::unary,
        )
    }

    fn unary(&mut self) -> Result<Expr, SyntaxError> {
        if self.is_sym("-") {
            let pos = self.pos();
            self.bump();
            self.enter()?;
            let inner = self.unary();
            self.depth -= 1;
            return Ok(Expr { kind: ExprKind::Neg(Box::new(inner?)), pos });
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Result<Expr, SyntaxError> {
        let mut e = self.primary()?;
        // each `.field` of a computed value nests one level
        let mut nested = 0;
        let result = loop {
            // `list[i]`: the item at position i, written as the call
            // `item(list, i)` it means
            if self.is_sym("[") {
                self.bump();
                if let Err(err) = self.enter() {
                    break Err(err);
                }
                nested += 1;
                let pos = e.pos;
                let index = match self.expr() {
                    Ok(i) => i,
                    Err(err) => break Err(err),
                };
                if let Err(err) = self.expect_sym("]") {
                    break Err(err);
                }
                e = Expr {
                    kind: ExprKind::Call { name: vec!["item".into()], args: vec![e, index], named: Vec::new() },
                    pos,
                };
                continue;
            }
            if !self.is_sym(".") {
                break Ok(e);
            }
            self.bump();
            let name = match self.name() {
                Ok(n) => n,
                Err(err) => break Err(err),
            };
            let pos = e.pos;
            e = match e.kind {
                ExprKind::Path(mut p) => {
                    if p.len() >= MAX_DEPTH {
                        break Err(err(pos, format!("a dotted name has more than {MAX_DEPTH} parts")));
                    }
                    p.push(name);
                    Expr { kind: ExprKind::Path(p), pos }
                }
                other => {
                    if let Err(err) = self.enter() {
                        break Err(err);
                    }
                    nested += 1;
                    Expr { kind: ExprKind::Field(Box::new(Expr { kind: other, pos }), name), pos }
                }
            };
        };
        self.depth -= nested;
        result
    }

    /// `acc = init, body for var in list (where filter)?)` after `fold(` or
    /// `scan(`.
    fn fold_tail(&mut self, kind: AggKind, pos: usize) -> Result<Expr, SyntaxError> {
        let npos = self.pos();
        let is_acc = matches!((self.peek(), self.peek_at(1)), (Tok::Ident(_), Tok::Sym("=")));
        if !is_acc {
            return Err(SyntaxError {
                pos: npos,
                message: format!("`{}` starts with its running value and where it starts", kind.name()),
                help: Some(format!("write `{}(total = 0, total + x for x in list)`", kind.name())),
            });
        }
        let acc = self.name()?;
        self.bump(); // =
        let init = self.expr()?;
        self.expect_sym(",")?;
        let body = self.expr()?;
        let (var, list, filter) = self.comprehension_tail()?;
        if var == acc {
            return Err(err(npos, format!("the running value and the element are both called `{acc}`")));
        }
        self.expect_sym(")")?;
        Ok(Expr {
            kind: ExprKind::Aggregate {
                kind,
                body: Some(Box::new(body)),
                var,
                list: Box::new(list),
                filter: filter.map(Box::new),
                init: Some((acc, Box::new(init))),
            },
            pos,
        })
    }

    /// `body for var in list (where filter)?` after the body has been parsed.
    fn comprehension_tail(&mut self) -> Result<(String, Expr, Option<Expr>), SyntaxError> {
        self.expect_kw("for")?;
        let var = self.name()?;
        self.expect_kw("in")?;
        let list = self.expr()?;
        let filter = if self.is_kw("where") {
            self.bump();
            Some(self.expr()?)
        } else {
            None
        };
        Ok((var, list, filter))
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        let pos = self.pos();
        let tok = self.bump();
        let kind = match tok {
            Tok::Num(n) | Tok::Pct(n) => ExprKind::Number(n),
            Tok::Text(s) => ExprKind::Text(s),
            Tok::Date(d) => ExprKind::Date(d),
            Tok::DateTime(d) => ExprKind::DateTime(d),
            Tok::Sym("(") => {
                let e = self.expr()?;
                self.expect_sym(")")?;
                return Ok(e);
            }
            Tok::Sym("[") => {
                if self.is_sym("]") {
                    self.bump();
                    ExprKind::List(vec![])
                } else {
                    let first = self.expr()?;
                    if self.is_kw("for") {
                        let (var, list, filter) = self.comprehension_tail()?;
                        self.expect_sym("]")?;
                        ExprKind::Aggregate {
                            kind: AggKind::List,
                            body: Some(Box::new(first)),
                            var,
                            list: Box::new(list),
                            filter: filter.map(Box::new),
                            init: None,
                        }
                    } else {
                        let mut items = vec![first];
                        while self.is_sym(",") {
                            self.bump();
                            items.push(self.expr()?);
                        }
                        self.expect_sym("]")?;
                        ExprKind::List(items)
                    }
                }
            }
            Tok::Sym("{") => {
                let mut fields: Vec<(String, Expr)> = Vec::new();
                if !self.is_sym("}") {
                    loop {
                        let fpos = self.pos();
                        let name = self.name()?;
                        if fields.iter().any(|(n, _)| *n == name) {
                            return Err(err(fpos, format!("field `{name}` appears twice")));
                        }
                        if self.is_sym("=") {
                            self.bump();
                        } else {
                            self.expect_sym(":")?;
                        }
                        fields.push((name, self.expr()?));
                        if self.is_sym(",") {
                            self.bump();
                        } else {
                            break;
                        }
                    }
                }
                self.expect_sym("}")?;
                ExprKind::Record(fields)
            }
            Tok::Ident(s) if s == "true" => ExprKind::Bool(true),
            Tok::Ident(s) if s == "false" => ExprKind::Bool(false),
            Tok::Ident(s) if !KEYWORDS.contains(&s.as_str()) => {
                let mut path = vec![s];
                // a dotted name directly followed by `(` is a call
                let mut k = 0;
                while matches!(self.peek_at(k), Tok::Sym(".")) && matches!(self.peek_at(k + 1), Tok::Ident(_)) {
                    k += 2;
                }
                if matches!(self.peek_at(k), Tok::Sym("(")) {
                    while self.is_sym(".") {
                        self.bump();
                        path.push(self.name()?);
                    }
                    self.bump(); // (
                    return self.call(path, pos);
                }
                ExprKind::Path(path)
            }
            other => {
                return Err(SyntaxError {
                    pos,
                    message: format!("expected a value, found {}", tok_desc(&other)),
                    help: None,
                })
            }
        };
        Ok(Expr { kind, pos })
    }

    fn call(&mut self, name: Vec<String>, pos: usize) -> Result<Expr, SyntaxError> {
        // aggregates with a comprehension: sum(x.a for x in xs where …), count(x in xs where …)
        if let (Some(kind), [_]) = (name.first().and_then(|n| AggKind::from_name(n)), name.as_slice()) {
            if kind == AggKind::Count {
                if let (Tok::Ident(v), Tok::Ident(kw)) = (self.peek().clone(), self.peek_at(1).clone()) {
                    if kw == "in" && !KEYWORDS.contains(&v.as_str()) {
                        self.bump();
                        self.bump();
                        let list = self.expr()?;
                        let filter = if self.is_kw("where") {
                            self.bump();
                            Some(Box::new(self.expr()?))
                        } else {
                            None
                        };
                        self.expect_sym(")")?;
                        return Ok(Expr {
                            kind: ExprKind::Aggregate {
                                kind,
                                body: None,
                                var: v,
                                list: Box::new(list),
                                filter,
                                init: None,
                            },
                            pos,
                        });
                    }
                }
            }
            if matches!(kind, AggKind::Fold | AggKind::Scan) {
                return self.fold_tail(kind, pos);
            }
            if !self.is_sym(")") {
                let save = self.i;
                let first = self.expr()?;
                if self.is_kw("for") {
                    let (var, list, filter) = self.comprehension_tail()?;
                    self.expect_sym(")")?;
                    return Ok(Expr {
                        kind: ExprKind::Aggregate {
                            kind,
                            body: Some(Box::new(first)),
                            var,
                            list: Box::new(list),
                            filter: filter.map(Box::new),
                            init: None,
                        },
                        pos,
                    });
                }
                self.i = save;
            }
        }
        let mut args = Vec::new();
        let mut named: Vec<(String, Expr)> = Vec::new();
        if !self.is_sym(")") {
            loop {
                let is_named = matches!((self.peek(), self.peek_at(1)), (Tok::Ident(_), Tok::Sym(":" | "=")));
                if is_named {
                    let npos = self.pos();
                    let n = self.name()?;
                    self.bump(); // :
                    if named.iter().any(|(x, _)| *x == n) {
                        return Err(err(npos, format!("argument `{n}` is given twice")));
                    }
                    named.push((n, self.expr()?));
                } else {
                    if !named.is_empty() {
                        return Err(SyntaxError {
                            pos: self.pos(),
                            message: "a positional argument follows a named one".into(),
                            help: Some("name every argument, e.g. `rule(class: x)`".into()),
                        });
                    }
                    args.push(self.expr()?);
                }
                if self.is_sym(",") {
                    self.bump();
                } else {
                    break;
                }
            }
        }
        self.expect_sym(")")?;
        Ok(Expr { kind: ExprKind::Call { name, args, named }, pos })
    }
}

/// Parses an expression.
///
/// # Errors
/// The first syntax error, with the character offset where it was found.
pub fn parse(src: &str) -> Result<Expr, SyntaxError> {
    let toks = lex(src)?;
    let mut p = Parser { toks, i: 0, depth: 0 };
    if matches!(p.peek(), Tok::End) {
        return Err(SyntaxError { pos: 0, message: "empty expression".into(), help: None });
    }
    let e = p.expr()?;
    if matches!(p.peek(), Tok::Sym("=")) {
        return Err(SyntaxError {
            pos: p.pos(),
            message: "`=` is not an operator".into(),
            help: Some("compare with `==`".into()),
        });
    }
    if !matches!(p.peek(), Tok::End) {
        return Err(SyntaxError {
            pos: p.pos(),
            message: format!("unexpected {} after the end of the expression", tok_desc(p.peek())),
            help: Some("check for a missing operator or an unbalanced parenthesis".into()),
        });
    }
    // what is accepted must print within the limit too, so that its
    // printed form (spaces, parentheses, numbers written out) parses back
    let printed = significant_chars(e.to_string().chars());
    if printed > MAX_EXPR_CHARS {
        return Err(SyntaxError {
            pos: 0,
            message: format!(
                "expression is {printed} characters when written out in full, more than the limit {MAX_EXPR_CHARS}"
            ),
            help: Some("split it into `let`s".into()),
        });
    }
    Ok(e)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::useless_vec)]
mod tests {
    use super::*;

    fn p(s: &str) -> Expr {
        parse(s).unwrap_or_else(|e| unreachable!("{s}: {e:?}"))
    }

    #[test]
    fn what_parses_prints_within_the_limit() {
        // `1%+1%` prints as `0.01 + 0.01`: a text within the limit whose
        // printed form would not be is refused (spaces are not counted)
        let many = vec!["1%"; 30_000].join("+");
        assert!(many.len() < MAX_EXPR_CHARS);
        let e = parse(&many).unwrap_err();
        assert!(e.message.contains("written out in full"), "{}", e.message);
        let some = vec!["1%"; 10].join("+");
        let tree = parse(&some).unwrap();
        assert_eq!(parse(&tree.to_string()).unwrap(), tree);
    }

    #[test]
    fn printed_formula_as_in_the_text() {
        let e = p("（366-104-11）×33");
        assert_eq!(e.to_string(), "((366 - 104 - 11) * 33)");
        let e = p("a - b + c * d / 2 or x and y and z");
        assert_eq!(e.to_string(), "((a - b + (c * d / 2)) or (x and y and z))");
        assert_eq!(p(&e.to_string()), e);
    }

    #[test]
    fn comprehension_and_calls() {
        let e =
            p("sum(inspection_frequency(class: r.class).visits_per_year for r in roster where r.sector == \"power\")");
        assert!(matches!(e.kind, ExprKind::Aggregate { kind: AggKind::Sum, .. }));
        assert_eq!(p(&e.to_string()), e);
        let c = p("count(r in roster where r.class in [\"B\", \"C\"])");
        assert_eq!(p(&c.to_string()), c);
        assert_eq!(
            p("2024-01-05").kind,
            ExprKind::Date(Date::parse("2024-01-05").unwrap_or_else(|e| unreachable!("{e}")))
        );
        assert!(matches!(p("2024-03-01T09:30").kind, ExprKind::DateTime(_)));
        assert_eq!(p("2024-03-01T09:30").to_string(), "2024-03-01T09:30");
        assert!(parse("2024-03-01Tx").is_err());
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("1 + * 2").err().unwrap_or_else(|| unreachable!());
        assert_eq!(e.pos, 4);
        let e = parse("a = b").err().unwrap_or_else(|| unreachable!());
        assert_eq!(e.help.as_deref(), Some("compare with `==`"));
        assert!(parse(&"(".repeat(200)).is_err());
    }
}
