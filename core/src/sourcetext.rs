//! Checking citations against the source text: every quote must appear in the
//! document verbatim, whitespace aside (the bulletin breaks lines in the
//! middle of sentences), and its line number is found, not typed.

/// A source text prepared for quote search.
#[derive(Clone, Debug)]
pub struct SourceText {
    /// The text without whitespace.
    norm: String,
    /// For each byte of `norm` that starts a character: the line it was on.
    lines: Vec<(usize, u32)>,
    /// SHA-256 of the text as read, hex: a changed text changes the packs
    /// that cite it.
    digest: String,
}

impl SourceText {
    /// Prepares a text.
    pub fn new(text: &str) -> Self {
        let mut norm = String::with_capacity(text.len());
        let mut lines = Vec::with_capacity(text.len() / 2);
        for (i, line) in text.lines().enumerate() {
            for c in line.chars().filter(|c| !c.is_whitespace()) {
                lines.push((norm.len(), i as u32 + 1));
                norm.push(c);
            }
        }
        SourceText { norm, lines, digest: crate::loader::hex_digest(text.as_bytes()) }
    }

    /// SHA-256 of the text, hex.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    fn line_at(&self, byte: usize) -> u32 {
        match self.lines.binary_search_by_key(&byte, |(b, _)| *b) {
            Ok(i) => self.lines.get(i).map(|(_, l)| *l).unwrap_or(0),
            Err(i) => self.lines.get(i.saturating_sub(1)).map(|(_, l)| *l).unwrap_or(0),
        }
    }

    fn first_byte_from_line(&self, line: u32) -> usize {
        let i = self.lines.partition_point(|(_, l)| *l < line);
        self.lines.get(i).map(|(b, _)| *b).unwrap_or(self.norm.len())
    }

    /// Finds a quote (parts joined by `…` must appear in that order) within
    /// the given line range, returning the line where it starts.
    ///
    /// # Errors
    /// A message naming the part that was not found.
    pub fn find(&self, quote: &str, range: Option<(u32, u32)>) -> Result<u32, String> {
        let (lo, hi) = match range {
            Some((a, b)) => (self.first_byte_from_line(a), self.first_byte_from_line(b + 1)),
            None => (0, self.norm.len()),
        };
        let hay = self.norm.get(lo..hi).unwrap_or("");
        let mut at = 0usize;
        let mut first_line = None;
        for part in quote.split(['…']).flat_map(|p| p.split("...")) {
            let needle: String = part.chars().filter(|c| !c.is_whitespace()).collect();
            if needle.is_empty() {
                continue;
            }
            match hay.get(at..).and_then(|h| h.find(&needle)) {
                Some(off) => {
                    if first_line.is_none() {
                        first_line = Some(self.line_at(lo + at + off));
                    }
                    at += off + needle.len();
                }
                None => {
                    let shown: String = needle.chars().take(30).collect();
                    return Err(format!(
                        "the quote part `{shown}` is not in the source text{}",
                        range.map(|(a, b)| format!(" (lines {a}-{b})")).unwrap_or_default()
                    ));
                }
            }
        }
        first_line.ok_or_else(|| "the quote is empty".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_across_line_breaks() {
        let t = SourceText::new("第一行\n\n每季度检查 1 次;重点\n检查指对\n");
        assert_eq!(t.find("每季度检查1次", None), Ok(3));
        assert_eq!(t.find("重点检查指", None), Ok(3));
        assert_eq!(t.find("第一行…检查指对", None), Ok(1));
        assert!(t.find("检查指对…第一行", None).is_err());
        assert!(t.find("每季度", Some((4, 5))).is_err());
    }
}
