//! Exclusive XML canonicalization without comments
//! (<http://www.w3.org/2001/10/xml-exc-c14n#>, W3C Recommendation of
//! 18 July 2002) of one element's subtree, optionally leaving out one
//! descendant element (the enveloped signature), over the [`Document`] of
//! `tree.rs` (which has already dropped comments and refused processing
//! instructions).
//!
//! Rules applied, with their sections in Canonical XML 1.0 (C14N) and
//! Exclusive XML Canonicalization (EXC):
//! - An element renders the namespace declarations it *visibly utilizes*
//!   (its own prefix or the default namespace, and its attributes'
//!   prefixes) unless an output ancestor already rendered the same binding
//!   (EXC §3), plus the `InclusiveNamespaces PrefixList` prefixes that are in
//!   scope, which follow the inclusive rule (EXC §3, C14N §2.3); `xmlns=""`
//!   is rendered when an unprefixed element sits in no namespace below an
//!   output ancestor that rendered a default namespace. `xml:` is never
//!   declared.
//! - Namespace declarations come first, sorted by prefix (the default
//!   first), then attributes sorted by namespace URI (none first) and local
//!   name (C14N §2.2, "Document Order").
//! - Text escapes `&`, `<`, `>` and carriage return; attribute values
//!   escape `&`, `<`, `"`, tab, newline and carriage return (C14N §2.3).
//! - Empty elements are written as start-end pairs (C14N §2.1).

use super::tree::{Document, Element, Node};

/// Canonicalizes the subtree of `apex` in `doc`, leaving out the element
/// `omit` (and its subtree) if given. `inclusive` is the PrefixList of an
/// `InclusiveNamespaces` element (`#default` for the default namespace).
pub(crate) fn exclusive(doc: &Document, apex: usize, omit: Option<usize>, inclusive: &[String]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    let mut rendered: Vec<(String, String)> = Vec::new();
    render(doc, apex, omit, inclusive, &mut rendered, &mut out);
    out
}

/// The value `prefix` has in the output ancestors' rendered declarations
/// (`""` for an unrendered default namespace, `None` for any other
/// unrendered prefix).
fn rendered_value<'a>(rendered: &'a [(String, String)], prefix: &str) -> Option<&'a str> {
    match rendered.iter().rev().find(|(p, _)| p == prefix) {
        Some((_, v)) => Some(v.as_str()),
        None if prefix.is_empty() => Some(""),
        None => None,
    }
}

fn render(
    doc: &Document,
    index: usize,
    omit: Option<usize>,
    inclusive: &[String],
    rendered: &mut Vec<(String, String)>,
    out: &mut Vec<u8>,
) {
    let element = doc.element(index);
    let mut utilized: Vec<String> = vec![element.prefix.clone().unwrap_or_default()];
    for attribute in &element.attributes {
        if let Some(p) = &attribute.prefix {
            utilized.push(p.clone());
        }
    }
    let mut declarations: Vec<(String, String)> = Vec::new();
    let mut consider = |prefix: &str, value: Option<&str>, rendered: &[(String, String)]| {
        if prefix == "xml" || declarations.iter().any(|(p, _)| p == prefix) {
            return;
        }
        let value = value.unwrap_or("");
        if rendered_value(rendered, prefix) != Some(value) {
            declarations.push((prefix.to_owned(), value.to_owned()));
        }
    };
    for prefix in &utilized {
        consider(prefix, doc.lookup_ns(index, prefix), rendered);
    }
    for listed in inclusive {
        let prefix = if listed == "#default" { "" } else { listed.as_str() };
        match doc.lookup_ns(index, prefix) {
            Some(value) => consider(prefix, Some(value), rendered),
            // An unbound default namespace still renders `xmlns=""` when an
            // output ancestor declared one (C14N §2.3).
            None if prefix.is_empty() => consider(prefix, None, rendered),
            None => {}
        }
    }
    declarations.sort();

    let qname = qualified(element.prefix.as_deref(), &element.local);
    out.push(b'<');
    out.extend_from_slice(qname.as_bytes());
    for (prefix, value) in &declarations {
        match prefix.is_empty() {
            true => out.extend_from_slice(b" xmlns=\""),
            false => {
                out.extend_from_slice(b" xmlns:");
                out.extend_from_slice(prefix.as_bytes());
                out.extend_from_slice(b"=\"");
            }
        }
        escape_attribute(value, out);
        out.push(b'"');
    }
    let mut attributes: Vec<_> = element.attributes.iter().collect();
    attributes.sort_by(|a, b| {
        (a.ns.as_deref().unwrap_or(""), a.local.as_str()).cmp(&(b.ns.as_deref().unwrap_or(""), b.local.as_str()))
    });
    for attribute in attributes {
        out.push(b' ');
        out.extend_from_slice(qualified(attribute.prefix.as_deref(), &attribute.local).as_bytes());
        out.extend_from_slice(b"=\"");
        escape_attribute(&attribute.value, out);
        out.push(b'"');
    }
    out.push(b'>');

    let depth = rendered.len();
    rendered.extend(declarations);
    render_children(doc, element, omit, inclusive, rendered, out);
    rendered.truncate(depth);

    out.extend_from_slice(b"</");
    out.extend_from_slice(qname.as_bytes());
    out.push(b'>');
}

fn render_children(
    doc: &Document,
    element: &Element,
    omit: Option<usize>,
    inclusive: &[String],
    rendered: &mut Vec<(String, String)>,
    out: &mut Vec<u8>,
) {
    for child in &element.children {
        match child {
            Node::Text(text) => escape_text(text, out),
            Node::Element(i) if Some(*i) == omit => {}
            Node::Element(i) => render(doc, *i, omit, inclusive, rendered, out),
        }
    }
}

fn qualified(prefix: Option<&str>, local: &str) -> String {
    match prefix {
        Some(p) => format!("{p}:{local}"),
        None => local.to_owned(),
    }
}

/// C14N §2.3: text nodes.
pub(crate) fn escape_text(text: &str, out: &mut Vec<u8>) {
    for c in text.chars() {
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '\r' => out.extend_from_slice(b"&#xD;"),
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

/// C14N §2.3: attribute values (and namespace declarations).
pub(crate) fn escape_attribute(value: &str, out: &mut Vec<u8>) {
    for c in value.chars() {
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '"' => out.extend_from_slice(b"&quot;"),
            '\t' => out.extend_from_slice(b"&#x9;"),
            '\n' => out.extend_from_slice(b"&#xA;"),
            '\r' => out.extend_from_slice(b"&#xD;"),
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}
