//! The lexer: characters to tokens, each with its offset.

#[allow(unused_imports)]
use super::*;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    Num(Number),
    Pct(Number),
    Text(String),
    Date(Date),
    DateTime(DateTime),
    Ident(String),
    Sym(&'static str),
    End,
}

pub(super) fn tok_desc(t: &Tok) -> String {
    match t {
        Tok::Num(n) => format!("number `{n}`"),
        Tok::Pct(n) => format!("percentage `{n}`"),
        Tok::Text(s) => format!("text \"{s}\""),
        Tok::Date(d) => format!("date `{d}`"),
        Tok::DateTime(d) => format!("datetime `{d}`"),
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Sym(s) => format!("`{s}`"),
        Tok::End => "the end of the expression".into(),
    }
}

/// The characters of an expression the limit counts: all but white space.
pub(super) fn significant_chars(chars: impl Iterator<Item = char>) -> usize {
    chars.filter(|c| !c.is_whitespace()).count()
}

pub(super) fn err(pos: usize, message: impl Into<String>) -> SyntaxError {
    SyntaxError { pos, message: message.into(), help: None }
}

pub(super) fn lex(src: &str) -> Result<Vec<(Tok, usize)>, SyntaxError> {
    let chars: Vec<char> = src.chars().collect();
    // spaces are not counted: the printed form of an expression adds them
    // around operators, and what parses must print and parse back
    let counted = significant_chars(chars.iter().copied());
    if counted > MAX_EXPR_CHARS {
        return Err(SyntaxError {
            pos: 0,
            message: format!("expression has {counted} characters, more than the limit {MAX_EXPR_CHARS}"),
            help: Some("split it into `let` steps or smaller rules".into()),
        });
    }
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() {
            let (tok, next) = lex_number(&chars, i)?;
            out.push((tok, start));
            i = next;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let mut j = i;
            while chars.get(j).is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_') {
                j += 1;
            }
            let text: String = chars.get(i..j).unwrap_or_default().iter().collect();
            out.push((Tok::Ident(text), start));
            i = j;
            continue;
        }
        if c == '"' || c == '\'' || c == '“' || c == '‘' {
            let (tok, next) = lex_text(&chars, i, c)?;
            out.push((tok, start));
            i = next;
            continue;
        }
        let (sym, width) = lex_symbol(&chars, i, c)?;
        out.push((Tok::Sym(sym), start));
        i += width;
    }
    out.push((Tok::End, chars.len()));
    Ok(out)
}

/// A number, a percentage, a date or a datetime starting at `i`: the token
/// and where the next one starts.
fn lex_number(chars: &[char], i: usize) -> Result<(Tok, usize), SyntaxError> {
    let start = i;
    let mut j = i;
    while chars.get(j).is_some_and(|c| c.is_ascii_digit()) {
        j += 1;
    }
    // a date literal: DDDD-DD-DD
    let is_date = j - i == 4
        && chars.get(j) == Some(&'-')
        && chars.get(j + 1).is_some_and(|c| c.is_ascii_digit())
        && chars.get(j + 2).is_some_and(|c| c.is_ascii_digit())
        && chars.get(j + 3) == Some(&'-')
        && chars.get(j + 4).is_some_and(|c| c.is_ascii_digit())
        && chars.get(j + 5).is_some_and(|c| c.is_ascii_digit())
        && (!chars.get(j + 6).is_some_and(|c| c.is_ascii_alphanumeric())
            || (chars.get(j + 6) == Some(&'T')
                && chars.get(j + 7).is_some_and(|c| c.is_ascii_digit())
                && chars.get(j + 8).is_some_and(|c| c.is_ascii_digit())
                && chars.get(j + 9) == Some(&':')));
    if is_date {
        // a datetime literal: DDDD-DD-DDTHH:MM
        let k = j + 6;
        let is_datetime = chars.get(k) == Some(&'T')
            && chars.get(k + 1).is_some_and(|c| c.is_ascii_digit())
            && chars.get(k + 2).is_some_and(|c| c.is_ascii_digit())
            && chars.get(k + 3) == Some(&':')
            && chars.get(k + 4).is_some_and(|c| c.is_ascii_digit())
            && chars.get(k + 5).is_some_and(|c| c.is_ascii_digit());
        if is_datetime {
            let text: String = chars.get(i..k + 6).unwrap_or_default().iter().collect();
            let d = DateTime::parse(&text).map_err(|m| err(start, m))?;
            return Ok((Tok::DateTime(d), k + 6));
        }
        let text: String = chars.get(i..j + 6).unwrap_or_default().iter().collect();
        let d = Date::parse(&text).map_err(|m| err(start, m))?;
        return Ok((Tok::Date(d), j + 6));
    }
    if chars.get(j) == Some(&'.') && chars.get(j + 1).is_some_and(|c| c.is_ascii_digit()) {
        j += 1;
        while chars.get(j).is_some_and(|c| c.is_ascii_digit()) {
            j += 1;
        }
    }
    if chars.get(j).is_some_and(|c| c.is_alphabetic() || *c == '_') {
        return Err(SyntaxError {
            pos: j,
            message: "a number runs into a name".into(),
            help: Some("put an operator or a space between them, e.g. `3 * x`".into()),
        });
    }
    let text: String = chars.get(i..j).unwrap_or_default().iter().collect();
    let n = Number::parse(&text).map_err(|m| err(start, m))?;
    if chars.get(j) == Some(&'%') {
        let pct = n.div(&Number::from_int(100)).map_err(|e| err(start, e.to_string()))?;
        Ok((Tok::Pct(pct), j + 1))
    } else {
        Ok((Tok::Num(n), j))
    }
}

/// A text in quotes (straight or curly) starting at `i`, opened by `c`.
fn lex_text(chars: &[char], i: usize, c: char) -> Result<(Tok, usize), SyntaxError> {
    let start = i;
    let close = match c {
        '“' => '”',
        '‘' => '’',
        other => other,
    };
    let mut j = i + 1;
    let mut s = String::new();
    loop {
        match chars.get(j) {
            None => {
                return Err(SyntaxError {
                    pos: start,
                    message: "text is not closed".into(),
                    help: Some(format!("end it with {close}")),
                })
            }
            Some(&ch) if ch == close => break,
            Some(&ch) => s.push(ch),
        }
        j += 1;
    }
    Ok((Tok::Text(s), j + 1))
}

/// An operator or punctuation at `i` (full-width forms read as their ASCII
/// ones): the symbol and how many characters it takes.
fn lex_symbol(chars: &[char], i: usize, c: char) -> Result<(&'static str, usize), SyntaxError> {
    let start = i;
    let two: String = chars.get(i..i + 2).map(|s| s.iter().collect()).unwrap_or_default();
    let sym2 = match two.as_str() {
        "==" => Some("=="),
        "!=" => Some("!="),
        "<=" => Some("<="),
        ">=" => Some(">="),
        "??" => Some("??"),
        _ => None,
    };
    if let Some(s) = sym2 {
        return Ok((s, 2));
    }
    let sym = match c {
        '+' => "+",
        '-' | '－' | '−' => "-",
        '*' | '×' => "*",
        '/' | '÷' => "/",
        '<' => "<",
        '>' => ">",
        '(' | '（' => "(",
        ')' | '）' => ")",
        '[' => "[",
        ']' => "]",
        '{' => "{",
        '}' => "}",
        ',' | '，' => ",",
        '.' => ".",
        ':' => ":",
        '=' => "=",
        other => {
            return Err(SyntaxError {
                pos: start,
                message: format!("unexpected character `{other}`"),
                help: Some("names are ASCII letters, digits and `_`; text goes in quotes".into()),
            })
        }
    };
    Ok((sym, 1))
}
