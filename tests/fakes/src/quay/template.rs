//! Quay's webhook template engine: `${jsonpath}` expressions filled from the event data, and
//! `ref-regex` matching with Python's `re.match`.

use super::*;

/// Why a webhook template could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TemplateError {
    /// Quay's `JSONTemplateParseException`: a 400 at creation, a counted failure at delivery.
    Parse(String),
    /// Another error Quay would raise, or an expression beyond the fake's JSONPath subset.
    Uncaught(String),
}

/// Quay's `JSONTemplate(template).apply(data)`: every string of the template (keys too) has
/// its `${path}` expressions filled from `data`. A string that is exactly one expression takes
/// the value with its JSON type (`null` when missing); inside text a missing value reads
/// `(none)`, several values are joined with `,`, and anything else is printed as Python would.
pub(super) fn apply_template(template: &str, data: &Value) -> Result<Value, TemplateError> {
    let parsed: Value = serde_json::from_str(template)
        .map_err(|e| TemplateError::Parse(format!("Could not parse template: {e}")))?;
    fill(&parsed, data)
}

pub(super) fn fill(node: &Value, data: &Value) -> Result<Value, TemplateError> {
    Ok(match node {
        Value::String(s) => fill_string(s, data)?,
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| fill(i, data))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                // `json.dumps` turns scalar keys into text and refuses the rest.
                let key = match fill_string(key, data)? {
                    Value::String(s) => s,
                    Value::Null => "null".to_owned(),
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    _ => return Err(TemplateError::Uncaught("a key became a list".into())),
                };
                out.insert(key, fill(value, data)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

pub(super) fn fill_string(text: &str, data: &Value) -> Result<Value, TemplateError> {
    if let Some(expression) = text
        .strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .filter(|e| !e.contains('}'))
    {
        return Ok(evaluate(expression, data)?.unwrap_or(Value::Null));
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        out.push_str(&rest[..start]);
        out.push_str(&match evaluate(&after[..end], data)? {
            None | Some(Value::Null) => "(none)".to_owned(),
            Some(Value::Array(items)) if items.len() > 1 => items
                .iter()
                .map(|i| match i {
                    Value::String(s) => Ok(s.as_str()),
                    _ => Err(TemplateError::Uncaught(
                        "joined a value that is not text".into(),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?
                .join(","),
            Some(value) => py_str(&value),
        });
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(Value::String(out))
}

/// One JSONPath expression against `data`: `None` when nothing matches, the value for one
/// match, a list for several.
pub(super) fn evaluate(expression: &str, data: &Value) -> Result<Option<Value>, TemplateError> {
    if expression.is_empty() {
        return Err(TemplateError::Parse("Empty expression found".into()));
    }
    let steps = parse_path(expression).ok_or_else(|| {
        TemplateError::Uncaught(format!(
            "the fake cannot read the expression `{expression}`"
        ))
    })?;
    let mut found = vec![data];
    for step in &steps {
        let mut next = Vec::new();
        for value in found {
            match (step, value) {
                (PathStep::Field(name), Value::Object(map)) => next.extend(map.get(name)),
                (PathStep::AnyField, Value::Object(map)) => next.extend(map.values()),
                (PathStep::Index(i), Value::Array(items)) => next.extend(items.get(*i)),
                (PathStep::AllItems, Value::Array(items)) => next.extend(items),
                // jsonpath_rw wraps a non-list in a list for `[*]`.
                (PathStep::AllItems, other) => next.push(other),
                _ => {}
            }
        }
        found = next;
    }
    Ok(match found.as_slice() {
        [] => None,
        [one] => Some((*one).clone()),
        many => Some(Value::Array(many.iter().map(|v| (*v).clone()).collect())),
    })
}

/// One step of the JSONPath subset the fake reads: `a.b`, `'quoted'`, `*`, `[0]`, `[*]`, `$`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PathStep {
    Field(String),
    AnyField,
    Index(usize),
    AllItems,
}

pub(super) fn parse_path(expression: &str) -> Option<Vec<PathStep>> {
    let c: Vec<char> = expression.trim().chars().collect();
    let mut i = 0;
    let mut steps = Vec::new();
    if c.first() == Some(&'$') {
        i = 1;
        match c.get(1) {
            None => return Some(steps),
            Some('.') => i = 2,
            Some('[') => {}
            _ => return None,
        }
    }
    let mut need_field = c.get(i) != Some(&'[');
    loop {
        if need_field {
            match *c.get(i)? {
                '*' => {
                    steps.push(PathStep::AnyField);
                    i += 1;
                }
                quote @ ('\'' | '"') => {
                    let end = c[i + 1..].iter().position(|&x| x == quote)? + i + 1;
                    steps.push(PathStep::Field(c[i + 1..end].iter().collect()));
                    i = end + 1;
                }
                first if first.is_ascii_alphabetic() || matches!(first, '_' | '@') => {
                    let start = i;
                    while c
                        .get(i)
                        .is_some_and(|&x| x.is_ascii_alphanumeric() || matches!(x, '_' | '@' | '-'))
                    {
                        i += 1;
                    }
                    steps.push(PathStep::Field(c[start..i].iter().collect()));
                }
                _ => return None,
            }
        }
        while c.get(i) == Some(&'[') {
            let end = c[i..].iter().position(|&x| x == ']')? + i;
            let inner: String = c[i + 1..end].iter().collect();
            steps.push(match inner.trim() {
                "*" => PathStep::AllItems,
                index => PathStep::Index(index.parse().ok()?),
            });
            i = end + 1;
        }
        match c.get(i) {
            None => return Some(steps),
            Some('.') => {
                i += 1;
                need_field = true;
            }
            _ => return None,
        }
    }
}

/// Python's `re.match` for `ref-regex` filters: anchored at the start of `text`, not the end.
/// `None` when the pattern does not compile, which in Quay means the filter never fires. The
/// `regex` crate refuses some Python syntax (look-arounds, back-references, a `{` that is no
/// quantifier, `{,n}`) and so counts it as invalid too; Python's `\Z` is spelled `\z` there.
pub(super) fn ref_regex_matches(pattern: &str, text: &str) -> Option<bool> {
    let mut rust = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        rust.push(c);
        if c == '\\' {
            rust.extend(chars.next().map(|e| if e == 'Z' { 'z' } else { e }));
        }
    }
    // The bare pattern must compile on its own, so that something like `a)|(b` cannot pass
    // by closing the wrapping group early.
    regex::Regex::new(&rust).ok()?;
    let anchored = regex::Regex::new(&format!("^(?:{rust})")).ok()?;
    Some(anchored.is_match(text))
}
