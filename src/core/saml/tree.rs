//! A strict, namespace-aware XML tree for SAML documents, read with
//! quick-xml: elements keep their prefix, resolved namespace, namespace
//! declarations, attributes (values normalized as XML 1.0 §3.3.3 says) and
//! mixed content in order, because exclusive canonicalization needs all of
//! it. Refused outright: a DOCTYPE (so no entity can be declared), entity
//! references beyond the five predefined ones, processing instructions, an
//! XML declaration that is not first or names an encoding other than UTF-8,
//! undeclared prefixes, duplicate attributes, characters XML 1.0 forbids,
//! and documents past the element, depth or attribute bounds.
//!
//! Comments are dropped while reading: canonicalization without comments
//! (the only one accepted) drops them too, so what the verifier reads is
//! exactly what was signed. Text on both sides of a comment becomes one text
//! node: `user@evil.com<!---->.attacker.com` reads as the whole
//! `user@evil.com.attacker.com`, never as a truncated `user@evil.com`.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::SamlError;

/// The namespace `xml:` is bound to, always.
pub(crate) const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
/// The namespace of namespace declarations, never declarable.
const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

/// How deep elements may nest.
pub(crate) const MAX_DEPTH: usize = 32;
/// The most elements one document may hold.
pub(crate) const MAX_ELEMENTS: usize = 4096;
/// The most attributes (namespace declarations included) on one element.
const MAX_ATTRIBUTES: usize = 32;

/// An attribute (not a namespace declaration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attribute {
    /// The prefix as written, if any.
    pub prefix: Option<String>,
    /// The local name.
    pub local: String,
    /// The namespace (only prefixed attributes have one).
    pub ns: Option<String>,
    /// The normalized value.
    pub value: String,
}

/// A child of an element, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// An element, by index into [`Document::elements`].
    Element(usize),
    /// Character data (text, references and CDATA, merged).
    Text(String),
}

/// An element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    /// The parent element's index; `None` for the root.
    pub parent: Option<usize>,
    /// The prefix as written, if any.
    pub prefix: Option<String>,
    /// The local name.
    pub local: String,
    /// The resolved namespace (`None`: no namespace).
    pub ns: Option<String>,
    /// Namespace declarations made on this element: prefix (`""` for the
    /// default namespace) and value (`""` undeclares the default).
    pub ns_decls: Vec<(String, String)>,
    /// Attributes, as written (order is not significant).
    pub attributes: Vec<Attribute>,
    /// Content, in order.
    pub children: Vec<Node>,
}

impl Element {
    /// Whether this element is `local` in namespace `ns`.
    pub(super) fn is(&self, ns: &str, local: &str) -> bool {
        self.local == local && self.ns.as_deref() == Some(ns)
    }

    /// The value of the unprefixed attribute `local`.
    pub(super) fn attribute(&self, local: &str) -> Option<&str> {
        self.attributes.iter().find(|a| a.ns.is_none() && a.local == local).map(|a| a.value.as_str())
    }

    /// The element children's indices, in order.
    pub(super) fn element_children(&self) -> impl Iterator<Item = usize> + '_ {
        self.children.iter().filter_map(|c| match c {
            Node::Element(i) => Some(*i),
            Node::Text(_) => None,
        })
    }

    /// All character data directly in this element, concatenated.
    pub(super) fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|c| match c {
                Node::Text(t) => Some(t.as_str()),
                Node::Element(_) => None,
            })
            .collect()
    }

    /// Whether the only character data directly in this element is white space.
    pub(super) fn only_whitespace_text(&self) -> bool {
        self.children.iter().all(|c| match c {
            Node::Text(t) => t.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')),
            Node::Element(_) => true,
        })
    }
}

/// A parsed document: its elements, the root first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Document {
    /// Every element, in document order (the root is index 0).
    pub elements: Vec<Element>,
}

impl Document {
    /// The element at `index` (indices come from this document).
    pub(super) fn element(&self, index: usize) -> &Element {
        &self.elements[index]
    }

    /// The namespace `prefix` (`""`: the default namespace) is bound to in
    /// scope at `index`; `None` when unbound (or the default undeclared).
    pub(super) fn lookup_ns(&self, mut index: usize, prefix: &str) -> Option<&str> {
        if prefix == "xml" {
            return Some(XML_NS);
        }
        loop {
            let element = &self.elements[index];
            if let Some((_, value)) = element.ns_decls.iter().find(|(p, _)| p == prefix) {
                return (!value.is_empty()).then_some(value.as_str());
            }
            index = element.parent?;
        }
    }

    /// The element children of `index` that are `local` in `ns`.
    pub(super) fn children_named<'a>(
        &'a self,
        index: usize,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = usize> + 'a {
        self.element(index).element_children().filter(move |&c| self.element(c).is(ns, local))
    }
}

/// Parses `text` (at most `max_bytes` long) strictly into a [`Document`].
pub(crate) fn parse(text: &str, max_bytes: usize) -> Result<Document, SamlError> {
    if text.len() > max_bytes {
        return Err(SamlError::TooLarge);
    }
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.expand_empty_elements = true;
    config.check_end_names = true;
    config.check_comments = true;
    let mut elements: Vec<Element> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut root_done = false;
    let mut first_event = true;
    loop {
        let event = reader.read_event().map_err(|_| SamlError::Malformed)?;
        let was_first = std::mem::replace(&mut first_event, false);
        match event {
            Event::Start(start) => {
                if root_done || stack.len() >= MAX_DEPTH || elements.len() >= MAX_ELEMENTS {
                    return Err(if root_done { SamlError::Malformed } else { SamlError::TooLarge });
                }
                let parent = stack.last().copied();
                let index = elements.len();
                let element = start_element(&elements, parent, &start)?;
                elements.push(element);
                if let Some(p) = parent {
                    elements[p].children.push(Node::Element(index));
                }
                stack.push(index);
            }
            Event::End(_) => {
                stack.pop().ok_or(SamlError::Malformed)?;
                root_done = stack.is_empty();
            }
            Event::Text(t) => {
                let raw = t.decode().map_err(|_| SamlError::Malformed)?;
                let content = normalize_eols(&raw);
                check_chars(&content)?;
                if content.contains('&') {
                    return Err(SamlError::Malformed);
                }
                push_text(&mut elements, &stack, &content)?;
            }
            Event::CData(c) => {
                let raw = c.decode().map_err(|_| SamlError::Malformed)?;
                let content = normalize_eols(&raw);
                check_chars(&content)?;
                if stack.is_empty() {
                    return Err(SamlError::Malformed);
                }
                push_text(&mut elements, &stack, &content)?;
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|_| SamlError::Malformed)?;
                let resolved = resolve_reference(&name)?;
                if stack.is_empty() {
                    return Err(SamlError::Malformed);
                }
                push_text(&mut elements, &stack, resolved.as_str())?;
            }
            Event::Comment(_) => {}
            Event::Decl(decl) => {
                if !was_first {
                    return Err(SamlError::Malformed);
                }
                if let Some(encoding) = decl.encoding() {
                    let encoding = encoding.map_err(|_| SamlError::Malformed)?;
                    if !encoding.eq_ignore_ascii_case(b"utf-8") {
                        return Err(SamlError::Malformed);
                    }
                }
            }
            Event::DocType(_) => return Err(SamlError::Doctype),
            Event::PI(_) => return Err(SamlError::ProcessingInstruction),
            Event::Empty(_) => return Err(SamlError::Malformed),
            Event::Eof => break,
        }
    }
    if !root_done || !stack.is_empty() || elements.is_empty() {
        return Err(SamlError::Malformed);
    }
    Ok(Document { elements })
}

/// Appends character data to the open element (merging with text before
/// it); outside the root only white space is allowed, and dropped.
fn push_text(elements: &mut [Element], stack: &[usize], content: &str) -> Result<(), SamlError> {
    let Some(&open) = stack.last() else {
        return match content.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) {
            true => Ok(()),
            false => Err(SamlError::Malformed),
        };
    };
    if content.is_empty() {
        return Ok(());
    }
    let children = &mut elements[open].children;
    match children.last_mut() {
        Some(Node::Text(text)) => text.push_str(content),
        _ => children.push(Node::Text(content.to_owned())),
    }
    Ok(())
}

/// Splits a qualified name into prefix and local name; refuses more than
/// one colon and empty parts.
fn split_qname(qname: &[u8]) -> Result<(Option<String>, String), SamlError> {
    let qname = std::str::from_utf8(qname).map_err(|_| SamlError::Malformed)?;
    let mut parts = qname.split(':');
    let (first, second, third) = (parts.next(), parts.next(), parts.next());
    match (first, second, third) {
        (Some(local), None, None) if !local.is_empty() => Ok((None, local.to_owned())),
        (Some(prefix), Some(local), None) if !prefix.is_empty() && !local.is_empty() => {
            Ok((Some(prefix.to_owned()), local.to_owned()))
        }
        _ => Err(SamlError::Malformed),
    }
}

/// Reads a start tag into an element: namespace declarations first, then
/// names resolved against them and the parent's scope.
fn start_element(elements: &[Element], parent: Option<usize>, start: &BytesStart<'_>) -> Result<Element, SamlError> {
    let (prefix, local) = split_qname(start.name().as_ref())?;
    let mut ns_decls: Vec<(String, String)> = Vec::new();
    let mut raw_attributes: Vec<(Option<String>, String, String)> = Vec::new();
    for (count, attribute) in start.attributes().enumerate() {
        if count >= MAX_ATTRIBUTES {
            return Err(SamlError::TooLarge);
        }
        let attribute = attribute.map_err(|_| SamlError::Malformed)?;
        let raw = std::str::from_utf8(&attribute.value).map_err(|_| SamlError::Malformed)?;
        let value = normalize_attribute(raw)?;
        let (a_prefix, a_local) = split_qname(attribute.key.as_ref())?;
        match (a_prefix.as_deref(), a_local.as_str()) {
            (None, "xmlns") => ns_decls.push((String::new(), value)),
            (Some("xmlns"), declared) => {
                let fine = match declared {
                    "xml" => value == XML_NS,
                    "xmlns" => false,
                    _ => !value.is_empty() && value != XML_NS && value != XMLNS_NS,
                };
                if !fine {
                    return Err(SamlError::Malformed);
                }
                ns_decls.push((declared.to_owned(), value));
            }
            _ => raw_attributes.push((a_prefix, a_local, value)),
        }
    }
    if ns_decls.iter().any(|(p, v)| p.is_empty() && (v == XML_NS || v == XMLNS_NS)) {
        return Err(SamlError::Malformed);
    }
    let resolve = |p: &str| -> Option<String> {
        if p == "xml" {
            return Some(XML_NS.to_owned());
        }
        if let Some((_, v)) = ns_decls.iter().find(|(q, _)| q == p) {
            return (!v.is_empty()).then(|| v.clone());
        }
        let mut at = parent;
        while let Some(i) = at {
            let element = &elements[i];
            if let Some((_, v)) = element.ns_decls.iter().find(|(q, _)| q == p) {
                return (!v.is_empty()).then(|| v.clone());
            }
            at = element.parent;
        }
        None
    };
    let ns = match prefix.as_deref() {
        Some("xmlns") => return Err(SamlError::Malformed),
        Some(p) => Some(resolve(p).ok_or(SamlError::Malformed)?),
        None => resolve(""),
    };
    let mut attributes: Vec<Attribute> = Vec::with_capacity(raw_attributes.len());
    for (a_prefix, a_local, value) in raw_attributes {
        let a_ns = match a_prefix.as_deref() {
            Some(p) => Some(resolve(p).ok_or(SamlError::Malformed)?),
            None => None,
        };
        if attributes.iter().any(|a| a.ns == a_ns && a.local == a_local) {
            return Err(SamlError::Malformed);
        }
        attributes.push(Attribute { prefix: a_prefix, local: a_local, ns: a_ns, value });
    }
    let mut seen: Vec<&str> = Vec::new();
    for (p, _) in &ns_decls {
        if seen.contains(&p.as_str()) {
            return Err(SamlError::Malformed);
        }
        seen.push(p);
    }
    Ok(Element { parent, prefix, local, ns, ns_decls, attributes, children: Vec::new() })
}

/// XML 1.0 §2.11: `\r\n` and a lone `\r` become `\n`.
fn normalize_eols(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Refuses characters outside XML 1.0's `Char` production.
fn check_chars(text: &str) -> Result<(), SamlError> {
    match text.chars().all(is_xml_char) {
        true => Ok(()),
        false => Err(SamlError::Malformed),
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// The text a reference (without `&` and `;`) stands for: a character
/// reference to an allowed character, or one of the five predefined
/// entities. Anything else is refused.
fn resolve_reference(name: &str) -> Result<String, SamlError> {
    let c = if let Some(hex) = name.strip_prefix("#x") {
        (!hex.is_empty() && hex.len() <= 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u32::from_str_radix(hex, 16).ok())
            .flatten()
            .and_then(char::from_u32)
    } else if let Some(dec) = name.strip_prefix('#') {
        (!dec.is_empty() && dec.len() <= 7 && dec.bytes().all(|b| b.is_ascii_digit()))
            .then(|| dec.parse::<u32>().ok())
            .flatten()
            .and_then(char::from_u32)
    } else {
        match name {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "apos" => Some('\''),
            "quot" => Some('"'),
            _ => return Err(SamlError::Malformed),
        }
    };
    match c {
        Some(c) if is_xml_char(c) => Ok(c.to_string()),
        _ => Err(SamlError::Malformed),
    }
}

/// Attribute-value normalization (XML 1.0 §3.3.3, CDATA type, as a
/// non-validating parser does): line ends become `\n`, then each literal
/// white-space character becomes a space; references are replaced (a
/// character reference to white space keeps that character). A literal
/// `<` or an unknown entity is refused.
pub(crate) fn normalize_attribute(raw: &str) -> Result<String, SamlError> {
    let raw = normalize_eols(raw);
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw.as_str();
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => return Err(SamlError::Malformed),
            '&' => {
                let end = rest.find(';').filter(|&e| e <= 12).ok_or(SamlError::Malformed)?;
                out.push_str(&resolve_reference(&rest[1..end])?);
                rest = &rest[end + 1..];
                continue;
            }
            '\t' | '\n' => out.push(' '),
            c if is_xml_char(c) => out.push(c),
            _ => return Err(SamlError::Malformed),
        }
        rest = &rest[c.len_utf8()..];
    }
    Ok(out)
}
