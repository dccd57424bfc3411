//! The readable text form of conditions, for diffs, review and power users:
//!
//! ```text
//! profile.tier = "vip" and (profile.lifetime_value >= 1000 or audience loyal) and not product.inventory >= 20
//! ```
//!
//! [`print`] and [`parse`] round-trip exactly, tree shape included: for every condition `c`
//! (nesting at most [`MAX_DEPTH`] levels when printed), `parse(&print(&c)) == Ok(c)`, so text
//! that [`print`] produced is a fixed point of `print(parse(..))`.
//!
//! The grammar (`not` binds tighter than `and`, which binds tighter than `or`):
//!
//! ```text
//! condition := and_chain ("or" and_chain)*          -- two or more: one `any` node
//! and_chain := unary ("and" unary)*                 -- two or more: one `all` node
//! unary     := "not" unary | primary
//! primary   := "(" condition ")"                    -- the inner node as-is, never flattened
//!            | ("all" | "any") "(" [condition ("," condition)*] ")"
//!            | "audience" NAME
//!            | "rollout" "(" PATH "," STRING "," NUMBER ")"
//!            | PATH "exists"
//!            | PATH OP VALUE
//! PATH      := bare path | JSON string              -- bare: see `is_bare_path`
//! NAME      := bare name | JSON string              -- bare: see `is_bare_name`
//! OP        := "=" | "==" | "!=" | "<" | "<=" | ">" | ">=" | operator name (`in`, `between`, ...)
//! VALUE     := any JSON value, read by serde_json
//! ```
//!
//! The printer writes `all`/`any` with two or more children as `and`/`or` chains, parenthesizing
//! a child that is itself such a chain (even `all` inside `all`, so grouping survives), and uses the
//! function forms `all()`, `any()`, `all(x)`, `any(x)` only for zero or one child. Whitespace
//! (spaces, tabs, newlines) is free between tokens; keywords are lowercase.

use super::{Condition, Op, Predicate, Rollout};
use serde_json::Value;

/// Where and why text does not parse (1-based line and column, counted in characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// How deeply text may nest: `not`, `(`, `all(` and `any(` each open a level. Parsing also
/// rejects a condition whose printed form would nest deeper (`a or b and c` prints as
/// `a or (b and c)`), so whatever parses prints back to text that parses. The parser keeps its
/// open levels on the heap, not the stack, so depth never threatens a stack overflow.
const MAX_DEPTH: usize = 256;

/// Words that never print as bare paths or audience names (operator names are keywords too).
const KEYWORDS: [&str; 11] = ["and", "or", "not", "audience", "rollout", "all", "any", "true", "false", "null", "exists"];

fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word) || Op::from_name(word).is_some()
}

/// The comparison operators written as symbols; every other operator is written by its name.
fn symbol(op: Op) -> Option<&'static str> {
    match op {
        Op::Eq => Some("="),
        Op::Neq => Some("!="),
        Op::Lt => Some("<"),
        Op::Lte => Some("<="),
        Op::Gt => Some(">"),
        Op::Gte => Some(">="),
        _ => None,
    }
}

/// Characters of a bare word (path, name or keyword) as the parser scans it. Non-ASCII
/// alphanumerics are scanned too, only so that errors can show the whole word.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-')
}

/// A bare name: `[A-Za-z_][A-Za-z0-9_-]*`, not a keyword.
fn is_bare_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && chars.all(is_name_char) && !is_keyword(name)
}

/// A bare path: `[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*`, not a keyword. Anything else is
/// written as a JSON string.
fn is_bare_path(path: &str) -> bool {
    path.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && path.split('.').all(|segment| !segment.is_empty() && segment.chars().all(is_name_char))
        && !is_keyword(path)
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn path_text(path: &str) -> String {
    if is_bare_path(path) {
        path.to_owned()
    } else {
        quoted(path)
    }
}

/// An `all` or `any` with two or more children: printed as an `and`/`or` chain.
fn is_chain(c: &Condition) -> bool {
    matches!(c, Condition::All(kids) | Condition::Any(kids) if kids.len() >= 2)
}

/// Prints the canonical text form.
pub fn print(c: &Condition) -> String {
    let mut out = String::new();
    write(c, &mut out);
    out
}

fn write_wrapped(c: &Condition, out: &mut String) {
    if is_chain(c) {
        out.push('(');
        write(c, out);
        out.push(')');
    } else {
        write(c, out);
    }
}

fn write(c: &Condition, out: &mut String) {
    match c {
        Condition::All(kids) | Condition::Any(kids) => {
            let (joiner, function) = if matches!(c, Condition::All(_)) { (" and ", "all") } else { (" or ", "any") };
            if kids.len() < 2 {
                out.push_str(function);
                out.push('(');
                if let Some(kid) = kids.first() {
                    write(kid, out);
                }
                out.push(')');
            } else {
                for (i, kid) in kids.iter().enumerate() {
                    if i > 0 {
                        out.push_str(joiner);
                    }
                    write_wrapped(kid, out);
                }
            }
        }
        Condition::Not(inner) => {
            out.push_str("not ");
            write_wrapped(inner, out);
        }
        Condition::Audience(name) => {
            out.push_str("audience ");
            if is_bare_name(name) {
                out.push_str(name);
            } else {
                out.push_str(&quoted(name));
            }
        }
        Condition::Rollout(r) => {
            out.push_str("rollout(");
            out.push_str(&path_text(&r.unit));
            out.push_str(", ");
            out.push_str(&quoted(&r.salt));
            out.push_str(", ");
            out.push_str(&serde_json::to_string(&r.percent).unwrap_or_default());
            out.push(')');
        }
        Condition::Predicate(p) => {
            out.push_str(&path_text(&p.attr));
            out.push(' ');
            out.push_str(symbol(p.op).unwrap_or(p.op.name()));
            if let Some(value) = &p.value {
                out.push(' ');
                out.push_str(&serde_json::to_string(value).unwrap_or_default());
            }
        }
    }
}

/// Parses the text form.
pub fn parse(text: &str) -> Result<Condition, ParseError> {
    let mut p = Parser { text, pos: 0, depth: 0 };
    p.skip_ws();
    if p.at_end() {
        return Err(p.error(p.pos, "empty condition — write one such as profile.tier = \"vip\"".to_owned()));
    }
    p.condition()
}

/// A parsed node and how deeply its printed form nests (what `Parser::depth` reaches when
/// parsing `print(&cond)`).
struct Parsed {
    cond: Condition,
    level: usize,
}

impl Parsed {
    fn leaf(cond: Condition) -> Parsed {
        Parsed { cond, level: 0 }
    }

    /// The level this node adds inside a chain or after `not`: chains are parenthesized there.
    fn wrapped_level(&self) -> usize {
        self.level + usize::from(is_chain(&self.cond))
    }
}

fn group_level(kids: &[Parsed]) -> usize {
    if kids.len() < 2 {
        1 + kids.iter().map(|k| k.level).max().unwrap_or(0)
    } else {
        kids.iter().map(Parsed::wrapped_level).max().unwrap_or(0)
    }
}

fn nesting_message() -> String {
    format!("too deeply nested — conditions may nest at most {MAX_DEPTH} levels (of not, parentheses, all() and any())")
}

/// What a [`Frame`] is inside of.
#[derive(Clone, Copy)]
enum Open {
    Paren,
    Group { all: bool },
}

/// The state of one `(...)`, `all(...)` or `any(...)` being read (or, with `open: None`, of the
/// whole text).
struct Frame {
    open: Option<Open>,
    /// Where the `(`, `all` or `any` is.
    start: usize,
    /// `not`s read before the next operand (their positions), outermost first.
    nots: Vec<usize>,
    /// Finished items of `all(...)`/`any(...)`.
    items: Vec<Parsed>,
    /// Finished `and` chains of the `or` chain being read, and where it starts.
    ors: Vec<Parsed>,
    or_start: usize,
    /// Finished operands of the `and` chain being read, and where it starts.
    ands: Vec<Parsed>,
    and_start: usize,
}

impl Frame {
    fn new(open: Option<Open>, start: usize) -> Frame {
        Frame { open, start, nots: Vec::new(), items: Vec::new(), ors: Vec::new(), or_start: start, ands: Vec::new(), and_start: start }
    }
}

/// The innermost frame being read.
fn current<'f>(whole: &'f mut Frame, open: &'f mut [Frame]) -> &'f mut Frame {
    match open.last_mut() {
        Some(frame) => frame,
        None => whole,
    }
}

struct Parser<'a> {
    text: &'a str,
    /// Byte offset of the next unread character.
    pos: usize,
    /// Open `not`, `(`, `all(` and `any(` levels.
    depth: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start_matches([' ', '\t', '\n', '\r']).len();
    }

    /// The bare word starting here (possibly empty).
    fn word(&self) -> &'a str {
        let rest = self.rest();
        let len = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
        rest.get(..len).unwrap_or("")
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// Consumes `keyword` if it is the next whole word.
    fn eat_keyword(&mut self, keyword: &str) -> bool {
        self.skip_ws();
        if self.word() == keyword {
            self.pos += keyword.len();
            true
        } else {
            false
        }
    }

    fn line_column(&self, pos: usize) -> (usize, usize) {
        let before = self.text.get(..pos).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        (line, column)
    }

    fn error(&self, pos: usize, message: String) -> ParseError {
        let (line, column) = self.line_column(pos);
        ParseError { line, column, message }
    }

    /// Describes the token here, for messages: `"word"`, `the string "x"`, `"("`, `the end of the text`.
    fn found(&self) -> String {
        let rest = self.rest();
        let Some(first) = rest.chars().next() else {
            return "the end of the text".to_owned();
        };
        if first == '"' {
            let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
            return match stream.next() {
                Some(Ok(Value::String(s))) if s.chars().count() <= 40 => format!("the string {}", quoted(&s)),
                _ => "a quoted string".to_owned(),
            };
        }
        let word = self.word();
        if !word.is_empty() {
            return format!("\"{word}\"");
        }
        if let Some(pair) = ["==", "!=", "<=", ">="].iter().find(|pair| rest.starts_with(**pair)) {
            return format!("\"{pair}\"");
        }
        quoted(&first.to_string())
    }

    /// Opens a nesting level at `at` (a `not`, `(`, `all(` or `any(`).
    fn enter(&mut self, at: usize) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(at, nesting_message()));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Fails when a node starting at `at` would print nested too deeply.
    fn checked(&self, at: usize, parsed: Parsed) -> Result<Parsed, ParseError> {
        if parsed.level > MAX_DEPTH {
            return Err(self.error(at, nesting_message()));
        }
        Ok(parsed)
    }

    /// After `and`, `or` or `not`, the end of the text gets a message naming the keyword.
    fn expect_condition_after(&mut self, keyword: &str) -> Result<(), ParseError> {
        self.skip_ws();
        if self.at_end() {
            return Err(self.error(self.pos, format!("expected a condition after \"{keyword}\"")));
        }
        Ok(())
    }

    /// The whole text: operands are read by [`Parser::operand`], which opens a frame for each
    /// `(`, `all(` and `any(` (and records each `not`) instead of recursing, so that nesting costs
    /// heap, not stack; each finished operand then closes the chains and frames it completes.
    fn condition(&mut self) -> Result<Condition, ParseError> {
        let mut whole = Frame::new(None, self.pos);
        let mut open: Vec<Frame> = Vec::new();
        loop {
            let mut operand = self.operand(&mut whole, &mut open)?;
            loop {
                let frame = current(&mut whole, &mut open);
                while let Some(at) = frame.nots.pop() {
                    self.leave();
                    let level = 1 + operand.wrapped_level();
                    operand = self.checked(at, Parsed { cond: Condition::Not(Box::new(operand.cond)), level })?;
                }
                frame.ands.push(operand);
                if self.eat_keyword("and") {
                    self.expect_condition_after("and")?;
                    break;
                }
                let and = self.chain(frame.and_start, std::mem::take(&mut frame.ands), Condition::All)?;
                frame.ors.push(and);
                if self.eat_keyword("or") {
                    self.expect_condition_after("or")?;
                    break;
                }
                let chain = self.chain(frame.or_start, std::mem::take(&mut frame.ors), Condition::Any)?;
                match frame.open {
                    None => return self.finish(chain),
                    Some(Open::Paren) => {
                        if !self.eat(')') {
                            return Err(self.unclosed(frame.start, "(", "\"and\", \"or\" or \")\""));
                        }
                        self.leave();
                        open.pop();
                        operand = chain;
                    }
                    Some(Open::Group { all }) => {
                        frame.items.push(chain);
                        if self.eat(',') {
                            break;
                        }
                        if !self.eat(')') {
                            let opener = if all { "all(" } else { "any(" };
                            return Err(self.unclosed(frame.start, opener, "\",\", \")\", \"and\" or \"or\""));
                        }
                        self.leave();
                        let (start, items) = (frame.start, std::mem::take(&mut frame.items));
                        open.pop();
                        operand = self.group(start, all, items)?;
                    }
                }
            }
        }
    }

    /// Reads up to the end of one operand: a leaf, or an empty `all()`/`any()`. `not`, `(`,
    /// `all(` and `any(` on the way are recorded in `whole` and `open`.
    fn operand(&mut self, whole: &mut Frame, open: &mut Vec<Frame>) -> Result<Parsed, ParseError> {
        loop {
            self.skip_ws();
            let start = self.pos;
            let frame = current(whole, open);
            if frame.nots.is_empty() && frame.ands.is_empty() {
                frame.and_start = start;
                if frame.ors.is_empty() {
                    frame.or_start = start;
                }
            }
            match self.peek() {
                None => return Err(self.error(start, "expected a condition, found the end of the text".to_owned())),
                Some('(') => {
                    self.enter(start)?;
                    self.pos += 1;
                    open.push(Frame::new(Some(Open::Paren), start));
                }
                Some(c @ (')' | ',')) => {
                    return Err(self.error(start, format!("unexpected \"{c}\" — a condition is missing before it")));
                }
                Some('"') => return self.predicate(),
                Some(_) => {
                    match self.word() {
                        "not" => {
                            self.enter(start)?;
                            self.pos += "not".len();
                            frame.nots.push(start);
                            self.expect_condition_after("not")?;
                        }
                        word @ ("and" | "or") => {
                            return Err(self.error(start, format!("unexpected \"{word}\" — a condition is missing before it")));
                        }
                        word @ ("all" | "any") => {
                            self.pos += word.len();
                            if !self.eat('(') {
                                return Err(self.error(
                                start,
                                format!("expected \"(\" after \"{word}\" (to use \"{word}\" as an attribute path, write it in double quotes)"),
                            ));
                            }
                            self.enter(start)?;
                            if self.eat(')') {
                                self.leave();
                                return self.group(start, word == "all", Vec::new());
                            }
                            open.push(Frame::new(Some(Open::Group { all: word == "all" }), start));
                        }
                        "audience" => return self.audience(),
                        "rollout" => return self.rollout(start),
                        _ => return self.predicate(),
                    }
                }
            }
        }
    }

    /// After the whole condition: only whitespace may follow.
    fn finish(&mut self, parsed: Parsed) -> Result<Condition, ParseError> {
        self.skip_ws();
        match self.peek() {
            None => Ok(parsed.cond),
            Some(')') => Err(self.error(self.pos, "unexpected \")\" without a matching \"(\"".to_owned())),
            Some(_) => {
                let word = self.word().to_lowercase();
                let hint = if word != self.word() && is_keyword(&word) { " (keywords are lowercase)" } else { "" };
                Err(self.error(self.pos, format!("expected \"and\" or \"or\" before {}{hint}", self.found())))
            }
        }
    }

    /// Items joined by `and` (`make` is `Condition::All`) or `or`; one item is itself.
    fn chain(&self, start: usize, mut items: Vec<Parsed>, make: fn(Vec<Condition>) -> Condition) -> Result<Parsed, ParseError> {
        if items.len() == 1 {
            if let Some(only) = items.pop() {
                return Ok(only);
            }
        }
        let level = group_level(&items);
        self.checked(start, Parsed { cond: make(items.into_iter().map(|p| p.cond).collect()), level })
    }

    /// `all(...)` or `any(...)` starting at `start`, with its items.
    fn group(&self, start: usize, all: bool, items: Vec<Parsed>) -> Result<Parsed, ParseError> {
        let level = group_level(&items);
        let items = items.into_iter().map(|p| p.cond).collect();
        self.checked(start, Parsed { cond: if all { Condition::All(items) } else { Condition::Any(items) }, level })
    }

    /// The error for a missing `)`, at the current token.
    fn unclosed(&self, open: usize, opener: &str, expected: &str) -> ParseError {
        let (line, column) = self.line_column(open);
        if self.at_end() {
            self.error(self.pos, format!("unclosed \"{opener}\" opened at line {line}, column {column}"))
        } else {
            self.error(
                self.pos,
                format!("expected {expected} before {} — the \"{opener}\" at line {line}, column {column} is still open", self.found()),
            )
        }
    }

    fn audience(&mut self) -> Result<Parsed, ParseError> {
        self.pos += "audience".len();
        self.skip_ws();
        let at = self.pos;
        if self.peek() == Some('"') {
            return Ok(Parsed::leaf(Condition::Audience(self.string()?)));
        }
        let word = self.word();
        if word.is_empty() {
            return Err(self.error(at, format!("expected an audience name after \"audience\", found {}", self.found())));
        }
        if !is_bare_name(word) {
            let why = if is_keyword(word) { "is a keyword" } else { "is not a plain name" };
            return Err(self.error(at, format!("\"{word}\" {why}; write the audience name in double quotes")));
        }
        self.pos += word.len();
        Ok(Parsed::leaf(Condition::Audience(word.to_owned())))
    }

    /// `rollout(PATH, "salt", PERCENT)`, after the word `rollout`.
    fn rollout(&mut self, start: usize) -> Result<Parsed, ParseError> {
        self.pos += "rollout".len();
        if !self.eat('(') {
            return Err(self.error(
                start,
                "expected \"(\" after \"rollout\" (to use \"rollout\" as an attribute path, write it in double quotes)".to_owned(),
            ));
        }
        self.skip_ws();
        let unit = self.path("the rollout unit (an attribute path)")?;
        self.expect_comma(start)?;
        self.skip_ws();
        if self.peek() != Some('"') {
            return Err(self.error(self.pos, format!("expected the rollout salt (a quoted string), found {}", self.found())));
        }
        let salt = self.string()?;
        self.expect_comma(start)?;
        self.skip_ws();
        // A JSON number starts with `-` or a digit, and the scalar read there is a number.
        let percent = match self.peek() {
            Some('-' | '0'..='9') => self.scalar()?,
            _ => Value::Null,
        };
        let Value::Number(percent) = percent else {
            return Err(self.error(self.pos, format!("expected the rollout percent (a number), found {}", self.found())));
        };
        if !self.eat(')') {
            return Err(self.unclosed(start, "rollout(", "\")\""));
        }
        Ok(Parsed::leaf(Condition::Rollout(Rollout { unit, salt, percent })))
    }

    fn expect_comma(&mut self, start: usize) -> Result<(), ParseError> {
        if self.eat(',') {
            Ok(())
        } else {
            Err(self.unclosed(start, "rollout(", "\",\""))
        }
    }

    /// An attribute path: a bare path or a JSON string.
    fn path(&mut self, what: &str) -> Result<String, ParseError> {
        let at = self.pos;
        if self.peek() == Some('"') {
            return self.string();
        }
        let word = self.word();
        if word.is_empty() {
            return Err(self.error(at, format!("expected {what}, found {}", self.found())));
        }
        if !is_bare_path(word) {
            let why = if is_keyword(word) { "is a keyword" } else { "is not a plain attribute path" };
            return Err(self.error(at, format!("\"{word}\" {why}; to use it as an attribute path, write it in double quotes")));
        }
        self.pos += word.len();
        Ok(word.to_owned())
    }

    fn predicate(&mut self) -> Result<Parsed, ParseError> {
        let attr = self.path("a condition")?;
        self.skip_ws();
        let op_at = self.pos;
        let rest = self.rest();
        let symbols = [("==", Op::Eq), ("!=", Op::Neq), ("<=", Op::Lte), (">=", Op::Gte), ("=", Op::Eq), ("<", Op::Lt), (">", Op::Gt)];
        let (op, written) = if let Some((written, op)) = symbols.iter().find(|(s, _)| rest.starts_with(*s)) {
            (*op, *written)
        } else {
            let word = self.word();
            if word.is_empty() {
                return Err(self.error(op_at, format!("expected an operator such as \"=\", \"in\" or \"exists\", found {}", self.found())));
            }
            match Op::from_name(word) {
                Some(op) => (op, word),
                None => return Err(self.error(op_at, format!("unknown operator \"{word}\""))),
            }
        };
        self.pos += written.len();
        if op == Op::Exists {
            self.skip_ws();
            let takes_value =
                matches!(self.peek(), Some('"' | '[' | '{' | '-' | '0'..='9')) || matches!(self.word(), "true" | "false" | "null");
            if takes_value {
                return Err(self.error(self.pos, "\"exists\" takes no value".to_owned()));
            }
            return Ok(Parsed::leaf(Condition::Predicate(Predicate { attr, op, value: None })));
        }
        let value = self.value(written)?;
        Ok(Parsed::leaf(Condition::Predicate(Predicate { attr, op, value: Some(value) })))
    }

    /// The JSON value after the operator `written`.
    fn value(&mut self, written: &str) -> Result<Value, ParseError> {
        self.skip_ws();
        match self.peek() {
            None => Err(self.error(self.pos, format!("expected a value after \"{written}\""))),
            Some('"' | '[' | '{') => self.json(),
            Some('-' | '0'..='9') => self.scalar(),
            Some(_) if matches!(self.word(), "true" | "false" | "null") => self.scalar(),
            Some(_) => Err(self.error(self.pos, format!("expected a value after \"{written}\", found {}", self.found()))),
        }
    }

    /// A JSON string here.
    fn string(&mut self) -> Result<String, ParseError> {
        let at = self.pos;
        match self.json()? {
            Value::String(s) => Ok(s),
            _ => Err(self.error(at, "expected a quoted string".to_owned())),
        }
    }

    /// A number, `true`, `false` or `null` here. serde_json's stream reader insists that such a
    /// value be followed by whitespace or a JSON delimiter, and `)` is neither, so the token is
    /// cut out first (a run of characters that can belong to one) and read on its own.
    fn scalar(&mut self) -> Result<Value, ParseError> {
        let at = self.pos;
        let rest = self.rest();
        let len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))).unwrap_or(rest.len());
        let token = rest.get(..len).unwrap_or("");
        match serde_json::from_str::<Value>(token) {
            Ok(value) if !token.is_empty() => {
                self.pos += len;
                Ok(value)
            }
            Ok(_) => Err(self.error(at, format!("expected a value, found {}", self.found()))),
            Err(e) if e.to_string().starts_with("number out of range") => {
                Err(self.error(at, format!("the number {token} is out of range")))
            }
            Err(_) => Err(self.error(at, format!("\"{token}\" is not a valid JSON value"))),
        }
    }

    /// A JSON string, list or object here, read by serde_json's stream reader.
    fn json(&mut self) -> Result<Value, ParseError> {
        let at = self.pos;
        let rest = self.rest();
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
        match stream.next() {
            Some(Ok(value)) => {
                self.pos += stream.byte_offset();
                Ok(value)
            }
            Some(Err(e)) => {
                let message = e.to_string();
                let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(m, _)| m);
                let message =
                    if e.is_eof() { format!("unfinished JSON value ({message})") } else { format!("invalid JSON value ({message})") };
                Err(self.error(at + json_error_offset(rest, e.line(), e.column()), message))
            }
            None => Err(self.error(at, "expected a JSON value".to_owned())),
        }
    }
}

/// The byte offset in `json` of the character serde_json reported an error at (its line is
/// 1-based; its column is the 1-based byte in that line).
fn json_error_offset(json: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 { 0 } else { json.match_indices('\n').nth(line - 2).map_or(json.len(), |(i, _)| i + 1) };
    let mut offset = (line_start + column.saturating_sub(1)).min(json.len());
    while offset > 0 && !json.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn c(v: Value) -> Condition {
        Condition::from_json(&v).unwrap()
    }

    fn pred(attr: &str, op: Op, value: Value) -> Condition {
        Condition::Predicate(Predicate { attr: attr.into(), op, value: Some(value) })
    }

    fn exists(attr: &str) -> Condition {
        Condition::Predicate(Predicate { attr: attr.into(), op: Op::Exists, value: None })
    }

    fn err(text: &str) -> ParseError {
        match parse(text) {
            Ok(c) => panic!("{text:?} parsed as {c:?}"),
            Err(e) => e,
        }
    }

    fn round_trips(text: &str) {
        let parsed = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(print(&parsed), text);
    }

    #[test]
    fn design_example_prints_as_in_the_design() {
        let cond = c(json!({"all": [
            {"attr": "profile.tier", "op": "eq", "value": "vip"},
            {"any": [{"attr": "profile.lifetime_value", "op": "gte", "value": 1000}, {"audience": "loyal"}]},
            {"not": {"attr": "product.inventory", "op": "gte", "value": 20}}
        ]}));
        let text = print(&cond);
        assert_eq!(text, "profile.tier = \"vip\" and (profile.lifetime_value >= 1000 or audience loyal) and not product.inventory >= 20");
        assert_eq!(parse(&text).unwrap(), cond);
    }

    #[test]
    fn precedence_is_not_then_and_then_or() {
        let (a, b, d) = (exists("a"), exists("b"), exists("d"));
        assert_eq!(
            parse("a exists or b exists and d exists").unwrap(),
            Condition::Any(vec![a.clone(), Condition::All(vec![b.clone(), d.clone()])])
        );
        assert_eq!(
            parse("a exists and b exists or d exists").unwrap(),
            Condition::Any(vec![Condition::All(vec![a.clone(), b.clone()]), d.clone()])
        );
        assert_eq!(parse("not a exists and b exists").unwrap(), Condition::All(vec![Condition::Not(Box::new(a.clone())), b.clone()]));
        assert_eq!(parse("not (a exists and b exists)").unwrap(), Condition::Not(Box::new(Condition::All(vec![a.clone(), b.clone()]))));
        assert_eq!(print(&parse("a exists or b exists and d exists").unwrap()), "a exists or (b exists and d exists)");
        assert_eq!(print(&parse("not not a exists").unwrap()), "not not a exists");
    }

    #[test]
    fn grouping_is_kept_exactly() {
        let (a, b, d) = (exists("a"), exists("b"), exists("d"));
        assert_eq!(parse("a exists and b exists and d exists").unwrap(), Condition::All(vec![a.clone(), b.clone(), d.clone()]));
        assert_eq!(
            parse("a exists and (b exists and d exists)").unwrap(),
            Condition::All(vec![a.clone(), Condition::All(vec![b.clone(), d.clone()])])
        );
        assert_eq!(parse("((a exists))").unwrap(), a);
        for text in [
            "a = 1 and (b = 2 and c = 3)",
            "(a = 1 and b = 2) and c = 3",
            "a = 1 and b = 2 and c = 3",
            "(a = 1 or b = 2) or c = 3",
            "not (a = 1 or b = 2)",
            "not not a exists",
            "not (not a exists and b exists)",
        ] {
            round_trips(text);
        }
    }

    #[test]
    fn function_forms() {
        for text in [
            "all()",
            "any()",
            "all(a exists)",
            "any(a exists)",
            "not any()",
            "all(all())",
            "all(a exists and b exists)",
            "any(a = 1) or all()",
        ] {
            round_trips(text);
        }
        assert_eq!(parse("all()").unwrap(), Condition::All(vec![]));
        assert_eq!(parse("any( )").unwrap(), Condition::Any(vec![]));
        assert_eq!(parse("all(a exists)").unwrap(), Condition::All(vec![exists("a")]));
        assert_eq!(parse("all(a exists and b exists)").unwrap(), Condition::All(vec![Condition::All(vec![exists("a"), exists("b")])]));
        assert_eq!(parse("all(a exists, b exists)").unwrap(), parse("a exists and b exists").unwrap());
        assert_eq!(parse("any(a exists, b exists, d exists)").unwrap(), parse("a exists or b exists or d exists").unwrap());
        assert_eq!(print(&parse("all(a exists, any(b exists, d exists))").unwrap()), "a exists and (b exists or d exists)");
        assert_eq!(print(&Condition::Not(Box::new(Condition::All(vec![exists("a")])))), "not all(a exists)");
    }

    #[test]
    fn odd_paths_and_names_are_quoted() {
        let cond = c(json!({"all": [
            {"attr": "weird path", "op": "eq", "value": "x"},
            {"attr": "and", "op": "exists"},
            {"attr": "in", "op": "in", "value": ["in"]},
            {"attr": "9lives", "op": "lt", "value": 9},
            {"attr": "", "op": "exists"},
            {"audience": "Big Spenders"},
            {"audience": "not"},
            {"audience": ""},
            {"rollout": {"unit": "user id", "salt": "s\"alt", "percent": 5}}
        ]}));
        let text = print(&cond);
        assert_eq!(
            text,
            r#""weird path" = "x" and "and" exists and "in" in ["in"] and "9lives" < 9 and "" exists and audience "Big Spenders" and audience "not" and audience "" and rollout("user id", "s\"alt", 5)"#
        );
        assert_eq!(parse(&text).unwrap(), cond);
    }

    #[test]
    fn bare_words_that_start_like_keywords_are_paths_and_names() {
        let cond = Condition::All(vec![
            exists("not-x"),
            exists("and-y"),
            exists("audience.x"),
            exists("all.items"),
            pred("rollout-v2", Op::Eq, json!(true)),
            exists("ORx"),
            exists("_private.a-b.3"),
            Condition::Audience("or-else".into()),
            Condition::Audience("notable".into()),
            Condition::Not(Box::new(exists("notable"))),
        ]);
        let text = print(&cond);
        assert_eq!(
            text,
            "not-x exists and and-y exists and audience.x exists and all.items exists and rollout-v2 = true and ORx exists \
             and _private.a-b.3 exists and audience or-else and audience notable and not notable exists"
        );
        assert_eq!(parse(&text).unwrap(), cond);
        assert_eq!(parse("a=1 and b.c>=2").unwrap(), Condition::All(vec![pred("a", Op::Eq, json!(1)), pred("b.c", Op::Gte, json!(2))]));
    }

    #[test]
    fn every_operator_round_trips() {
        for op in Op::ALL {
            let value = if *op == Op::Exists { None } else { Some(json!([1, "two", {"x": null}, [0.1, -0.0]])) };
            let cond = Condition::Predicate(Predicate { attr: "a.b".into(), op: *op, value });
            let text = print(&cond);
            let expected = symbol(*op).unwrap_or(op.name());
            assert!(text.starts_with(&format!("a.b {expected}")), "{text}");
            assert_eq!(parse(&text).unwrap(), cond, "{op}");
            assert_eq!(print(&parse(&text).unwrap()), text);
            let in_group = format!("all({text})");
            assert_eq!(print(&parse(&in_group).unwrap()), in_group);
        }
        assert_eq!(parse("a == 1").unwrap(), pred("a", Op::Eq, json!(1)));
        assert_eq!(parse("a eq 1").unwrap(), pred("a", Op::Eq, json!(1)));
        assert_eq!(parse("a gte 1").unwrap(), pred("a", Op::Gte, json!(1)));
        let roll = c(json!({"rollout": {"unit": "profile.id", "salt": "s", "percent": 12.5}}));
        assert_eq!(print(&roll), "rollout(profile.id, \"s\", 12.5)");
        assert_eq!(parse(&print(&roll)).unwrap(), roll);
        round_trips("rollout(profile.id, \"s\", 100)");
        round_trips("rollout(profile.id, \"\", 0.0)");
    }

    #[test]
    fn values_are_exact_json() {
        for text in [
            "a = 0.1",
            "a = 1e300",
            "a = -0.0",
            "a = 5e-324",
            "a = 18446744073709551615",
            "a = -9223372036854775808",
            "a = 9007199254740993",
            "a = \"quote \\\" backslash \\\\ tab \\t nul \\u0000 caf\u{e9} \u{1F600}\"",
            "a in [[1, [2, []]], {\"k\": [true, false, null]}]",
            "a = null",
            "a != false",
        ] {
            let parsed = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let printed = print(&parsed);
            assert_eq!(parse(&printed).unwrap(), parsed, "{text}");
        }
        assert_eq!(parse("a = 9007199254740993").unwrap(), pred("a", Op::Eq, json!(9_007_199_254_740_993_u64)));
        assert_eq!(parse("a = 0.1").unwrap(), pred("a", Op::Eq, json!(0.1)));
        assert_eq!(parse("a in [1,2 ,\n 3]").unwrap(), pred("a", Op::In, json!([1, 2, 3])));
        assert_eq!(print(&pred("a", Op::Eq, json!(-0.0))), "a = -0.0");
        assert_eq!(print(&pred("a", Op::Eq, json!({"b": [1, "x"]}))), "a = {\"b\":[1,\"x\"]}");
        assert_eq!(parse("all(a = 1)").unwrap(), Condition::All(vec![pred("a", Op::Eq, json!(1))]));
        assert_eq!(parse("all(a = true,b=null)").unwrap(), parse("a = true and b = null").unwrap());
    }

    #[test]
    fn whitespace_is_free_between_tokens() {
        let spaced = "\n\t profile.tier\n=\n\"vip\"\r\n and\t( x  >=  1\nor audience\n loyal )\n";
        assert_eq!(parse(spaced).unwrap(), parse("profile.tier = \"vip\" and (x >= 1 or audience loyal)").unwrap());
        assert_eq!(parse("rollout ( u ,\"s\" , 5 )").unwrap(), parse("rollout(u, \"s\", 5)").unwrap());
        assert_eq!(parse("not(a exists)").unwrap(), parse("not a exists").unwrap());
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = err("profile.tier = \"vip\"\n  and profile.age equals 3");
        assert_eq!((e.line, e.column, e.message.as_str()), (2, 19, "unknown operator \"equals\""));
        assert_eq!(e.to_string(), "line 2, column 19: unknown operator \"equals\"");

        let e = err("a = 1 and (b = 2");
        assert_eq!((e.line, e.column, e.message.as_str()), (1, 17, "unclosed \"(\" opened at line 1, column 11"));
        let e = err("a = 1 and\n  (b = 2\n   c = 3)");
        assert_eq!((e.line, e.column), (3, 4));
        assert!(e.message.contains("before \"c\"") && e.message.contains("line 2, column 3"), "{e}");

        let e = err("x =");
        assert_eq!((e.line, e.column, e.message.as_str()), (1, 4, "expected a value after \"=\""));
        let e = err("x >= )");
        assert_eq!((e.line, e.column, e.message.as_str()), (1, 6, "expected a value after \">=\", found \")\""));

        let e = err("a exists\nor or b exists");
        assert_eq!((e.line, e.column, e.message.as_str()), (2, 4, "unexpected \"or\" — a condition is missing before it"));
        let e = err("  and a exists");
        assert_eq!((e.line, e.column), (1, 3));

        let e = err("a exists and");
        assert_eq!((e.line, e.column, e.message.as_str()), (1, 13, "expected a condition after \"and\""));

        let e = err("");
        assert_eq!((e.line, e.column), (1, 1));
        assert!(e.message.starts_with("empty condition"));
        let e = err(" \n\t ");
        assert_eq!((e.line, e.column), (2, 3));

        let e = err("a = 1 b = 2");
        assert_eq!((e.line, e.column, e.message.as_str()), (1, 7, "expected \"and\" or \"or\" before \"b\""));
        let e = err("a = 1 AND b = 2");
        assert!(e.message.contains("keywords are lowercase"), "{e}");
        let e = err("a = 1)");
        assert_eq!((e.line, e.column), (1, 6));

        let e = err("a exists 3");
        assert_eq!((e.line, e.column, e.message.as_str()), (1, 10, "\"exists\" takes no value"));
        let e = err("a exists \"x\"");
        assert_eq!(e.message, "\"exists\" takes no value");

        let e = err("café = 1");
        assert_eq!((e.line, e.column), (1, 1));
        assert!(e.message.contains("\"café\" is not a plain attribute path"), "{e}");
        let e = err("é = 1 and\n  ü = [1,\n 2x]");
        assert_eq!((e.line, e.column), (1, 1));
        let e = err("\"é\" = 1 and\n  \"ü\" = [1,\n 2x]");
        assert_eq!((e.line, e.column), (3, 3));
        assert!(e.message.starts_with("invalid JSON value"), "{e}");
        let e = err("a = \"unterminated");
        assert_eq!(e.line, 1);
        assert!(e.message.starts_with("unfinished JSON value"), "{e}");
        let e = err("a = 1e999");
        assert_eq!((e.column, e.message.as_str()), (5, "the number 1e999 is out of range"));
        let e = err("a = 01");
        assert_eq!((e.column, e.message.as_str()), (5, "\"01\" is not a valid JSON value"));

        let e = err("and = 1");
        assert!(e.message.contains("a condition is missing"), "{e}");
        let e = err("true = 1");
        assert_eq!(e.message, "\"true\" is a keyword; to use it as an attribute path, write it in double quotes");
        let e = err("all = 1");
        assert!(e.message.starts_with("expected \"(\" after \"all\""), "{e}");
        let e = err("audience and");
        assert_eq!((e.column, e.message.as_str()), (10, "\"and\" is a keyword; write the audience name in double quotes"));
        let e = err("audience");
        assert_eq!(e.message, "expected an audience name after \"audience\", found the end of the text");
        let e = err("a ~ 1");
        assert_eq!((e.column, e.message.as_str()), (3, "expected an operator such as \"=\", \"in\" or \"exists\", found \"~\""));

        let e = err("all(a exists,)");
        assert_eq!((e.column, e.message.as_str()), (14, "unexpected \")\" — a condition is missing before it"));
        let e = err("all(a exists b exists)");
        assert!(e.message.contains("\"all(\" at line 1, column 1 is still open"), "{e}");
        let e = err("any(a exists");
        assert_eq!((e.column, e.message.as_str()), (13, "unclosed \"any(\" opened at line 1, column 1"));
        let e = err("rollout(u, \"s\", \"50\")");
        assert_eq!((e.column, e.message.as_str()), (17, "expected the rollout percent (a number), found the string \"50\""));
        let e = err("rollout(u, s, 5)");
        assert_eq!(e.column, 12);
        let e = err("rollout(u, \"s\", 5");
        assert_eq!(e.message, "unclosed \"rollout(\" opened at line 1, column 1");
        let e = err("()");
        assert_eq!((e.column, e.message.as_str()), (2, "unexpected \")\" — a condition is missing before it"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let ok = format!("{}a exists{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert_eq!(parse(&ok).unwrap(), exists("a"));
        let too_deep = format!("{}a exists{}", "(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
        let e = err(&too_deep);
        assert_eq!((e.line, e.column), (1, MAX_DEPTH + 1));
        assert!(e.message.contains("at most 256 levels"), "{e}");

        let text = format!("{}a exists{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(err(&text).message.contains("at most 256 levels"));
        assert!(err(&format!("{}a exists", "not ".repeat(100_000))).message.contains("at most 256 levels"));
        assert!(err(&"all(".repeat(100_000)).message.contains("at most 256 levels"));
        assert!(err(&"[".repeat(100_000)).message.contains("expected a condition"));
        assert!(err(&format!("a = {}", "[".repeat(100_000))).message.contains("recursion limit"));

        // The deepest printable condition parses; one level more is refused, so whatever
        // parses prints to text that parses again.
        let mut deepest = exists("a");
        for _ in 0..MAX_DEPTH {
            deepest = Condition::Not(Box::new(deepest));
        }
        assert_eq!(parse(&print(&deepest)).unwrap(), deepest);
        assert!(parse(&print(&Condition::Not(Box::new(deepest)))).is_err());

        // `x or y and z` prints as `x or (y and z)`, one level deeper than it was written.
        let nested = |n: usize| format!("a exists or {}a exists or b exists and c exists{}", "(a exists or ".repeat(n), ")".repeat(n));
        let e = err(&nested(MAX_DEPTH));
        assert!(e.message.contains("at most 256 levels"), "{e}");
        round_trips(&print(&parse(&nested(MAX_DEPTH - 1)).unwrap()));
    }
}
