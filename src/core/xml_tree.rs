//! One strict reader of untrusted XML (quick-xml) into a small tree, for
//! the bodies cognate reads: S3's request bodies and AWS STS's answers. No
//! DTD (so no entity can be declared), no self-closing tricks beyond what
//! quick-xml expands, only characters XML 1.0 allows, exactly one root,
//! nesting bounded by the caller. Callers bound the size before parsing.

use quick_xml::events::Event;
use quick_xml::Reader;

/// An element: local name (namespace prefix dropped), text, children.
#[derive(Debug, Default)]
pub(crate) struct Element {
    /// The local name.
    pub name: String,
    /// The text directly in it.
    pub text: String,
    /// Its child elements, in order.
    pub children: Vec<Element>,
}

/// The document is not well-formed or breaks a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed XML")]
pub(crate) struct Malformed;

impl Element {
    /// The text of a leaf element (no children).
    pub(crate) fn leaf_text(&self) -> Option<&str> {
        self.children.is_empty().then_some(self.text.as_str())
    }

    /// The children of a container (only whitespace between them).
    pub(crate) fn container(&self) -> Option<&[Element]> {
        self.text.trim().is_empty().then_some(self.children.as_slice())
    }

    /// The first child named `name`.
    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
}

fn local_name(qualified: &[u8]) -> Result<String, Malformed> {
    let local = qualified.rsplit(|&b| b == b':').next().unwrap_or(qualified);
    String::from_utf8(local.to_vec()).map_err(|_| Malformed)
}

/// Parses `body` into its root element, at most `max_depth` deep.
pub(crate) fn parse(body: &[u8], max_depth: usize) -> Result<Element, Malformed> {
    let text = std::str::from_utf8(body).map_err(|_| Malformed)?;
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.expand_empty_elements = true;
    config.check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        match reader.read_event().map_err(|_| Malformed)? {
            Event::Start(start) => {
                if root.is_some() || stack.len() >= max_depth {
                    return Err(Malformed);
                }
                for attribute in start.attributes() {
                    attribute.map_err(|_| Malformed)?;
                }
                stack.push(Element { name: local_name(start.name().as_ref())?, ..Element::default() });
            }
            Event::End(_) => {
                let done = stack.pop().ok_or(Malformed)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                let content = t.xml10_content().map_err(|_| Malformed)?;
                raw_chars(&content)?;
                match stack.last_mut() {
                    Some(current) => current.text.push_str(&content),
                    None if content.trim().is_empty() => {}
                    None => return Err(Malformed),
                }
            }
            Event::CData(c) => {
                let content = c.decode().map_err(|_| Malformed)?;
                raw_chars(&content)?;
                stack.last_mut().ok_or(Malformed)?.text.push_str(&content);
            }
            Event::GeneralRef(r) => {
                let current = stack.last_mut().ok_or(Malformed)?;
                match r.resolve_char_ref().map_err(|_| Malformed)? {
                    Some(c) => current.text.push(c),
                    None => {
                        let name = r.decode().map_err(|_| Malformed)?;
                        let value = quick_xml::escape::resolve_xml_entity(&name).ok_or(Malformed)?;
                        current.text.push_str(value);
                    }
                }
            }
            // No DTD: nothing can declare an entity.
            Event::DocType(_) => return Err(Malformed),
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Empty(_) => return Err(Malformed),
            Event::Eof => break,
        }
    }
    match (root, stack.is_empty()) {
        (Some(root), true) => Ok(root),
        _ => Err(Malformed),
    }
}

/// Refuses characters XML 1.0 does not allow in a document's text (its
/// `Char` production: no NUL, no control characters but tab, newline and
/// carriage return, no U+FFFE/U+FFFF). The parser does not check them.
fn raw_chars(text: &str) -> Result<(), Malformed> {
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}');
    if text.chars().all(allowed) {
        Ok(())
    } else {
        Err(Malformed)
    }
}
