//! The readable text form of conditions, for diffs, review and power users:
//! `profile.tier = "vip" and (profile.lifetime_value >= 1000 or audience loyal)`.
//!
//! Printing and parsing round-trip exactly, tree shape included: `and`/`or` chains are one
//! `all`/`any` node; a parenthesized group is its own node; `all()`, `any()`, `all(x)` and
//! `any(x)` spell the degenerate groups. Values are JSON literals, parsed by serde_json.

use super::{Condition, Op, Predicate, Rollout};
use serde_json::Value;

/// Where and why text does not parse (1-based line and column, in characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

const KEYWORDS: [&str; 11] = ["and", "or", "not", "audience", "rollout", "all", "any", "true", "false", "null", "exists"];
const MAX_DEPTH: usize = 256;

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

fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word) || Op::from_name(word).is_some()
}

/// A path prints bare when it is dot-separated segments of letters, digits, `_` and `-`,
/// starting with a letter or `_`, and is not a keyword.
fn is_bare_path(path: &str) -> bool {
    let mut chars = path.chars();
    let starts_well = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts_well
        && path.split('.').all(|seg| !seg.is_empty() && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        && !is_keyword(path)
}

fn is_bare_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !is_keyword(name)
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

fn path_text(path: &str) -> String {
    if is_bare_path(path) {
        path.to_owned()
    } else {
        quoted(path)
    }
}

/// Prints the canonical text form.
pub fn print(c: &Condition) -> String {
    let mut out = String::new();
    write(c, &mut out);
    out
}

fn is_chain(c: &Condition) -> bool {
    matches!(c, Condition::All(k) | Condition::Any(k) if k.len() >= 2)
}

fn write(c: &Condition, out: &mut String) {
    match c {
        Condition::All(kids) | Condition::Any(kids) => {
            let (word, func) = if matches!(c, Condition::All(_)) { (" and ", "all") } else { (" or ", "any") };
            if kids.len() < 2 {
                out.push_str(func);
                out.push('(');
                if let Some(k) = kids.first() {
                    write(k, out);
                }
                out.push(')');
                return;
            }
            for (i, k) in kids.iter().enumerate() {
                if i > 0 {
                    out.push_str(word);
                }
                if is_chain(k) {
                    out.push('(');
                    write(k, out);
                    out.push(')');
                } else {
                    write(k, out);
                }
            }
        }
        Condition::Not(inner) => {
            out.push_str("not ");
            if is_chain(inner) {
                out.push('(');
                write(inner, out);
                out.push(')');
            } else {
                write(inner, out);
            }
        }
        Condition::Audience(name) => {
            out.push_str("audience ");
            out.push_str(&if is_bare_name(name) { name.clone() } else { quoted(name) });
        }
        Condition::Rollout(r) => {
            out.push_str(&format!("rollout({}, {}, {})", path_text(&r.unit), quoted(&r.salt), r.percent));
        }
        Condition::Predicate(p) => {
            out.push_str(&path_text(&p.attr));
            out.push(' ');
            out.push_str(symbol(p.op).unwrap_or(p.op.name()));
            if let Some(v) = &p.value {
                out.push(' ');
                out.push_str(&serde_json::to_string(v).unwrap_or_default());
            }
        }
    }
}

/// Parses the text form.
pub fn parse(text: &str) -> Result<Condition, ParseError> {
    let mut p = Parser { text, pos: 0, depth: 0 };
    p.skip_ws();
    if p.pos >= text.len() {
        return Err(p.error_at(p.pos, "empty condition: write one such as profile.tier = \"vip\""));
    }
    let c = p.or_chain()?;
    p.skip_ws();
    if p.pos < text.len() {
        let token = p.peek_token();
        if token == ")" {
            return Err(p.error_at(p.pos, "unexpected \")\" without a matching \"(\""));
        }
        return Err(p.error_at(p.pos, &format!("unexpected \"{token}\" after a complete condition; join conditions with and / or")));
    }
    Ok(c)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn error_at(&self, pos: usize, message: &str) -> ParseError {
        let before = self.text.get(..pos).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        ParseError { line, column, message: message.to_owned() }
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start_matches([' ', '\t', '\n', '\r']);
        self.pos = self.text.len() - trimmed.len();
    }

    /// The next word (identifier-ish run) or single symbol, for messages and keywords.
    fn peek_token(&self) -> String {
        let rest = self.rest();
        let word: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')).collect();
        if word.is_empty() {
            rest.chars().next().map(String::from).unwrap_or_default()
        } else {
            word
        }
    }

    fn peek_word(&self) -> &str {
        let rest = self.rest();
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        &rest[..end]
    }

    /// Consumes `word` if it is the next whole word.
    fn eat_word(&mut self, word: &str) -> bool {
        self.skip_ws();
        if self.peek_word() == word {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    fn eat(&mut self, symbol: &str) -> bool {
        self.skip_ws();
        if self.rest().starts_with(symbol) {
            self.pos += symbol.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, symbol: &str, what: &str) -> Result<(), ParseError> {
        if self.eat(symbol) {
            Ok(())
        } else {
            let token = self.peek_token();
            let found = if token.is_empty() { "the end".to_owned() } else { format!("\"{token}\"") };
            Err(self.error_at(self.pos, &format!("expected {what}, found {found}")))
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_at(self.pos, &format!("conditions may nest at most {MAX_DEPTH} levels deep")));
        }
        Ok(())
    }

    fn or_chain(&mut self) -> Result<Condition, ParseError> {
        self.chain("or", Condition::Any, Self::and_chain)
    }

    fn and_chain(&mut self) -> Result<Condition, ParseError> {
        self.chain("and", Condition::All, Self::unary)
    }

    fn chain(
        &mut self,
        word: &str,
        make: fn(Vec<Condition>) -> Condition,
        next: fn(&mut Self) -> Result<Condition, ParseError>,
    ) -> Result<Condition, ParseError> {
        let first = next(self)?;
        let mut items = vec![first];
        while self.eat_word(word) {
            items.push(next(self)?);
        }
        Ok(if items.len() == 1 { items.pop().unwrap_or_else(Condition::always) } else { make(items) })
    }

    fn unary(&mut self) -> Result<Condition, ParseError> {
        self.skip_ws();
        if self.eat_word("not") {
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Condition::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Condition, ParseError> {
        self.skip_ws();
        let start = self.pos;
        if self.rest().is_empty() {
            return Err(self.error_at(start, "expected a condition, found the end"));
        }
        if self.eat("(") {
            self.enter()?;
            let inner = self.or_chain()?;
            self.depth -= 1;
            if !self.eat(")") {
                return Err(self.error_at(start, "unclosed \"(\" opened here"));
            }
            return Ok(inner);
        }
        let word = self.peek_word().to_owned();
        if word == "and" || word == "or" {
            return Err(self.error_at(start, &format!("unexpected \"{word}\": a condition is missing before it")));
        }
        if (word == "all" || word == "any") && self.text.get(start + word.len()..).is_some_and(|r| r.trim_start().starts_with('(')) {
            self.pos += word.len();
            self.expect("(", "\"(\"")?;
            self.enter()?;
            let mut items = Vec::new();
            if !self.eat(")") {
                loop {
                    items.push(self.or_chain()?);
                    if self.eat(")") {
                        break;
                    }
                    self.expect(",", "\",\" or \")\"")?;
                }
            }
            self.depth -= 1;
            return Ok(if word == "all" { Condition::All(items) } else { Condition::Any(items) });
        }
        if word == "audience" {
            self.pos += word.len();
            self.skip_ws();
            let name = self.name("an audience name")?;
            return Ok(Condition::Audience(name));
        }
        if word == "rollout" && self.text.get(start + word.len()..).is_some_and(|r| r.trim_start().starts_with('(')) {
            self.pos += word.len();
            self.expect("(", "\"(\"")?;
            self.skip_ws();
            let unit = self.path()?;
            self.expect(",", "\",\" after the rollout unit")?;
            self.skip_ws();
            let salt_at = self.pos;
            let salt = match self.json_value()? {
                Value::String(s) => s,
                _ => return Err(self.error_at(salt_at, "the rollout salt must be a string")),
            };
            self.expect(",", "\",\" after the rollout salt")?;
            self.skip_ws();
            let percent_at = self.pos;
            let percent = match self.json_value()? {
                Value::Number(n) => n,
                _ => return Err(self.error_at(percent_at, "the rollout percent must be a number")),
            };
            self.expect(")", "\")\" closing the rollout")?;
            return Ok(Condition::Rollout(Rollout { unit, salt, percent }));
        }
        self.predicate()
    }

    /// A bare name or a JSON string.
    fn name(&mut self, what: &str) -> Result<String, ParseError> {
        let at = self.pos;
        if self.rest().starts_with('"') {
            return match self.json_value()? {
                Value::String(s) => Ok(s),
                _ => Err(self.error_at(at, &format!("expected {what}"))),
            };
        }
        let rest = self.rest();
        let len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(rest.len());
        if len == 0 {
            return Err(self.error_at(at, &format!("expected {what}")));
        }
        let name = rest[..len].to_owned();
        self.pos += len;
        Ok(name)
    }

    fn path(&mut self) -> Result<String, ParseError> {
        let at = self.pos;
        if self.rest().starts_with('"') {
            return match self.json_value()? {
                Value::String(s) => Ok(s),
                _ => Err(self.error_at(at, "expected an attribute path")),
            };
        }
        let rest = self.rest();
        let len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))).unwrap_or(rest.len());
        let path = &rest[..len];
        if path.is_empty() {
            let token = self.peek_token();
            return Err(self.error_at(at, &format!("expected a condition, found \"{token}\"")));
        }
        if !is_bare_path(path) && !path.is_empty() {
            if is_keyword(path) {
                return Err(self.error_at(at, &format!("\"{path}\" is a keyword; write the attribute as \"\\\"{path}\\\"\"")));
            }
            return Err(self.error_at(at, &format!("\"{path}\" is not an attribute path such as profile.tier")));
        }
        let path = path.to_owned();
        self.pos += len;
        Ok(path)
    }

    fn predicate(&mut self) -> Result<Condition, ParseError> {
        let attr = self.path()?;
        self.skip_ws();
        let op_at = self.pos;
        let op = if self.eat("==") || self.eat("=") {
            Op::Eq
        } else if self.eat("!=") {
            Op::Neq
        } else if self.eat("<=") {
            Op::Lte
        } else if self.eat(">=") {
            Op::Gte
        } else if self.eat("<") {
            Op::Lt
        } else if self.eat(">") {
            Op::Gt
        } else {
            let word = self.peek_word().to_owned();
            if word.is_empty() {
                let token = self.peek_token();
                let found = if token.is_empty() { "the end".to_owned() } else { format!("\"{token}\"") };
                return Err(self.error_at(op_at, &format!("expected an operator after \"{attr}\", found {found}")));
            }
            match Op::from_name(&word) {
                Some(op) if symbol(op).is_none() => {
                    self.pos += word.len();
                    op
                }
                _ => return Err(self.error_at(op_at, &format!("unknown operator \"{word}\""))),
            }
        };
        if op == Op::Exists {
            return Ok(Condition::Predicate(Predicate { attr, op, value: None }));
        }
        self.skip_ws();
        if self.rest().is_empty() || self.rest().starts_with(')') || self.rest().starts_with(',') {
            let shown = symbol(op).unwrap_or(op.name());
            return Err(self.error_at(self.pos, &format!("expected a value after \"{shown}\"")));
        }
        let value = self.json_value()?;
        Ok(Condition::Predicate(Predicate { attr, op, value: Some(value) }))
    }

    /// One JSON value at the current position, parsed by serde_json.
    fn json_value(&mut self) -> Result<Value, ParseError> {
        let at = self.pos;
        let rest = self.rest();
        if !rest.starts_with(['[', '{', '"']) {
            // serde_json's stream reader wants a number or literal followed by whitespace or a
            // JSON delimiter, and `)` is neither: take the token ourselves.
            let len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))).unwrap_or(rest.len());
            let token = &rest[..len];
            return match serde_json::from_str::<Value>(token) {
                Ok(value) if len > 0 => {
                    self.pos = at + len;
                    Ok(value)
                }
                _ => {
                    let shown = if token.is_empty() { self.peek_token() } else { token.to_owned() };
                    Err(self
                        .error_at(at, &format!("expected a JSON value (a number, string, list, true, false or null), found \"{shown}\"")))
                }
            };
        }
        let mut stream = serde_json::Deserializer::from_str(self.rest()).into_iter::<Value>();
        match stream.next() {
            Some(Ok(value)) => {
                self.pos = at + stream.byte_offset();
                Ok(value)
            }
            Some(Err(e)) => {
                let message = e.to_string();
                let message = message.rsplit_once(" at line").map_or(message.as_str(), |(m, _)| m).to_owned();
                Err(self.error_at(at, &format!("expected a JSON value: {message}")))
            }
            None => Err(self.error_at(at, "expected a value")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn c(v: Value) -> Condition {
        Condition::from_json(&v).unwrap()
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
    fn grouping_is_kept_exactly() {
        for text in [
            "a = 1 and (b = 2 and c = 3)",
            "(a = 1 and b = 2) and c = 3",
            "a = 1 and b = 2 and c = 3",
            "not (a = 1 or b = 2)",
            "not not a exists",
        ] {
            assert_eq!(print(&parse(text).unwrap()), text);
        }
        assert_eq!(
            parse("a = 1 or b = 2 and c = 3").unwrap(),
            c(
                json!({"any": [{"attr": "a", "op": "eq", "value": 1}, {"all": [{"attr": "b", "op": "eq", "value": 2}, {"attr": "c", "op": "eq", "value": 3}]}]})
            )
        );
    }

    #[test]
    fn degenerate_groups_use_function_form() {
        for text in ["all()", "any()", "all(a exists)", "not any()"] {
            assert_eq!(print(&parse(text).unwrap()), text);
        }
        assert_eq!(parse("all(a exists, b exists)").unwrap(), parse("a exists and b exists").unwrap());
    }

    #[test]
    fn odd_paths_and_names_are_quoted() {
        let cond = c(
            json!({"all": [{"attr": "weird path", "op": "eq", "value": "x"}, {"attr": "and", "op": "exists"}, {"audience": "Big Spenders"}]}),
        );
        let text = print(&cond);
        assert_eq!(text, "\"weird path\" = \"x\" and \"and\" exists and audience \"Big Spenders\"");
        assert_eq!(parse(&text).unwrap(), cond);
    }

    #[test]
    fn every_operator_round_trips() {
        for op in Op::ALL {
            let value = if *op == Op::Exists { None } else { Some(json!([1, "two", {"x": null}])) };
            let cond = Condition::Predicate(Predicate { attr: "a.b".into(), op: *op, value });
            assert_eq!(parse(&print(&cond)).unwrap(), cond, "{op}");
        }
        let roll = c(json!({"rollout": {"unit": "profile.id", "salt": "s", "percent": 12.5}}));
        assert_eq!(print(&roll), "rollout(profile.id, \"s\", 12.5)");
        assert_eq!(parse(&print(&roll)).unwrap(), roll);
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse("profile.tier = \"vip\"\n  and profile.age equals 3").unwrap_err();
        assert_eq!((e.line, e.column), (2, 19));
        assert!(e.message.contains("unknown operator \"equals\""), "{e}");
        let e = parse("a = 1 and (b = 2").unwrap_err();
        assert_eq!((e.line, e.column, e.message.as_str()), (1, 11, "unclosed \"(\" opened here"));
        let e = parse("a =").unwrap_err();
        assert!(e.message.contains("expected a value after \"=\""), "{e}");
        let e = parse("or a = 1").unwrap_err();
        assert!(e.message.contains("a condition is missing before it"), "{e}");
        assert!(parse("").is_err());
        assert!(parse("a = 1 b = 2").is_err());
        assert!(parse("a exists 3").is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = format!("{}a exists{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&text).unwrap_err().message.contains("nest at most"));
        let nots = format!("{}a exists", "not ".repeat(10_000));
        assert!(parse(&nots).is_err());
    }
}
