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
    /// The text as read, for showing its lines beside the rules.
    text: String,
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
        SourceText { norm, lines, digest: hex_digest(text.as_bytes()), text: text.to_string() }
    }

    /// SHA-256 of the text, hex.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The lines `from..=to` (1-based) as read, fewer where the text ends.
    pub fn lines(&self, from: u32, to: u32) -> Vec<&str> {
        let skip = from.saturating_sub(1) as usize;
        let take = (to.saturating_add(1)).saturating_sub(from.max(1)) as usize;
        self.text.lines().skip(skip).take(take).collect()
    }

    /// How many lines the text has.
    pub fn line_count(&self) -> u32 {
        u32::try_from(self.text.lines().count()).unwrap_or(u32::MAX)
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
        self.span(quote, range).map(|(first, _)| first)
    }

    /// Finds a quote as [`SourceText::find`] does, returning the lines where
    /// it starts and ends.
    ///
    /// # Errors
    /// A message naming the part that was not found.
    pub fn span(&self, quote: &str, range: Option<(u32, u32)>) -> Result<(u32, u32), String> {
        let (lo, hi) = match range {
            Some((a, b)) => (self.first_byte_from_line(a), self.first_byte_from_line(b + 1)),
            None => (0, self.norm.len()),
        };
        let hay = self.norm.get(lo..hi).unwrap_or("");
        let mut at = 0usize;
        let mut first_line = None;
        let mut last_line = 0;
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
                    // the line of the needle's last character
                    let last_char = needle.chars().last().map_or(1, char::len_utf8);
                    last_line = self.line_at(lo + at - last_char);
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
        first_line.map(|f| (f, last_line.max(f))).ok_or_else(|| "the quote is empty".to_string())
    }
}

/// The SHA-256 of bytes, in lower-case hex.
pub fn hex_digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
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
        assert_eq!(t.span("重点检查指对", None), Ok((3, 4)));
        assert_eq!(t.span("第一行…每季度", None), Ok((1, 3)));
        assert_eq!(t.lines(3, 4), vec!["每季度检查 1 次;重点", "检查指对"]);
        assert_eq!(t.lines(4, 9), vec!["检查指对"]);
        assert_eq!(t.line_count(), 4);
    }
}
