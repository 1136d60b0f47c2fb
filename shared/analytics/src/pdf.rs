//! A small PDF writer for reports: A4 pages with text in the standard Helvetica faces, filled
//! rectangles and lines — enough for headings, figure cards, tables, bar and line charts. The
//! content streams are left uncompressed, so the text can be read back (tests extract it).

use std::fmt::Write as _;

pub const WIDTH: f32 = 595.0;
pub const HEIGHT: f32 = 842.0;
pub const MARGIN: f32 = 48.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb(pub f32, pub f32, pub f32);

pub const INK: Rgb = Rgb(0.13, 0.15, 0.2);
pub const MUTED: Rgb = Rgb(0.42, 0.45, 0.5);
pub const ACCENT: Rgb = Rgb(0.23, 0.36, 0.9);
pub const GOOD: Rgb = Rgb(0.09, 0.55, 0.3);
pub const BAD: Rgb = Rgb(0.8, 0.2, 0.2);
pub const RULE: Rgb = Rgb(0.88, 0.89, 0.92);

/// A document being drawn: pages of PDF content operators, top-down coordinates.
#[derive(Default)]
pub struct Document {
    pages: Vec<Vec<u8>>,
}

/// Text in the standard fonts' WinAnsi encoding: Latin-1 as is, a few common typographic
/// characters mapped, anything else as `?`; PDF string delimiters escaped.
fn encode(text: &str, out: &mut Vec<u8>) {
    out.push(b'(');
    for c in text.chars() {
        let byte = match c {
            '\\' | '(' | ')' => {
                out.push(b'\\');
                c as u8
            }
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '…' => 0x85,
            _ => b'?',
        };
        out.push(byte);
    }
    out.push(b')');
}

/// Approximate width of `text` in Helvetica at `size` (average glyph width), for alignment.
pub fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    let per = if bold { 0.56 } else { 0.52 };
    text.chars().count() as f32 * size * per
}

/// Shortens `text` to fit `width`, ending with an ellipsis.
pub fn fit(text: &str, width: f32, size: f32) -> String {
    let single_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text_width(&single_line, size, false) <= width {
        return single_line;
    }
    let keep = ((width / (size * 0.52)) as usize).saturating_sub(1);
    let mut short: String = single_line.chars().take(keep).collect();
    short.push('…');
    short
}

impl Document {
    pub fn new() -> Self {
        Document::default()
    }

    pub fn add_page(&mut self) {
        self.pages.push(Vec::new());
    }

    fn page(&mut self) -> &mut Vec<u8> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        self.pages.last_mut().expect("a page exists")
    }

    fn ops(&mut self, ops: &str) {
        self.page().extend_from_slice(ops.as_bytes());
    }

    /// Text with its baseline at `y` from the top.
    pub fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, color: Rgb, text: &str) {
        let font = if bold { "F2" } else { "F1" };
        let mut ops = String::new();
        let _ = write!(
            ops,
            "BT {:.3} {:.3} {:.3} rg /{font} {size:.1} Tf {x:.2} {:.2} Td ",
            color.0,
            color.1,
            color.2,
            HEIGHT - y
        );
        self.ops(&ops);
        let page = self.page();
        encode(text, page);
        page.extend_from_slice(b" Tj ET\n");
    }

    /// Text ending at `right`.
    pub fn text_right(
        &mut self,
        right: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        text: &str,
    ) {
        let x = right - text_width(text, size, bold);
        self.text(x, y, size, bold, color, text);
    }

    /// A filled rectangle whose top-left corner is at (`x`, `y`).
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        self.ops(&format!(
            "{:.3} {:.3} {:.3} rg {x:.2} {:.2} {w:.2} {h:.2} re f\n",
            color.0,
            color.1,
            color.2,
            HEIGHT - y - h
        ));
    }

    /// A polyline through `points` (top-down coordinates).
    pub fn polyline(&mut self, points: &[(f32, f32)], width: f32, color: Rgb) {
        let Some((first, rest)) = points.split_first() else {
            return;
        };
        let mut ops = format!(
            "{:.3} {:.3} {:.3} RG {width:.2} w {:.2} {:.2} m ",
            color.0,
            color.1,
            color.2,
            first.0,
            HEIGHT - first.1
        );
        for (x, y) in rest {
            let _ = write!(ops, "{x:.2} {:.2} l ", HEIGHT - y);
        }
        ops.push_str("S\n");
        self.ops(&ops);
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, color: Rgb) {
        self.polyline(&[(x1, y1), (x2, y2)], 0.75, color);
    }

    /// The finished file.
    pub fn finish(mut self) -> Vec<u8> {
        if self.pages.is_empty() {
            self.add_page();
        }
        let pages = self.pages.len();
        // Objects: 1 catalog, 2 page tree, 3 and 4 fonts, then a page and its content each.
        let mut objects: Vec<Vec<u8>> = Vec::new();
        objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
        let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 5 + 2 * i)).collect();
        objects.push(
            format!(
                "<< /Type /Pages /Kids [{}] /Count {pages} >>",
                kids.join(" ")
            )
            .into_bytes(),
        );
        for face in ["Helvetica", "Helvetica-Bold"] {
            objects.push(
                format!(
                    "<< /Type /Font /Subtype /Type1 /BaseFont /{face} /Encoding /WinAnsiEncoding >>"
                )
                .into_bytes(),
            );
        }
        for (i, content) in self.pages.into_iter().enumerate() {
            objects.push(
                format!(
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {WIDTH} {HEIGHT}] \
                     /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                    6 + 2 * i
                )
                .into_bytes(),
            );
            let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
            stream.extend_from_slice(&content);
            stream.extend_from_slice(b"\nendstream");
            objects.push(stream);
        }
        let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let mut offsets = Vec::with_capacity(objects.len());
        for (i, object) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(object);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
        for offset in offsets {
            let _ = writeln!(table, "{offset:010} 00000 n ");
        }
        let _ = write!(
            table,
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        );
        out.extend_from_slice(table.as_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_has_a_valid_cross_reference_table() {
        let mut doc = Document::new();
        doc.text(MARGIN, 80.0, 20.0, true, INK, "Report (Q4) – café");
        doc.rect(MARGIN, 100.0, 50.0, 20.0, ACCENT);
        doc.add_page();
        doc.text(MARGIN, 80.0, 10.0, false, INK, "Page two");
        let bytes = doc.finish();
        let find = |needle: &[u8]| bytes.windows(needle.len()).rposition(|w| w == needle);
        assert!(bytes.starts_with(b"%PDF-1.4"));
        assert!(find(b"/Count 2").is_some());
        assert!(find(b"(Report \\(Q4\\) \x96 caf\xe9) Tj").is_some());
        // Every offset in the cross-reference table points at its object.
        let start = find(b"startxref\n").expect("startxref") + b"startxref\n".len();
        let tail = String::from_utf8_lossy(&bytes[start..]);
        let xref_at: usize = tail
            .lines()
            .next()
            .and_then(|n| n.parse().ok())
            .expect("offset");
        let table = String::from_utf8_lossy(&bytes[xref_at..]);
        let entries: Vec<&str> = table
            .lines()
            .skip(3)
            .take_while(|l| l.ends_with(" n "))
            .collect();
        assert_eq!(entries.len(), 4 + 2 * 2);
        for (i, line) in entries.iter().enumerate() {
            let offset: usize = line[..10].parse().expect("offset");
            assert!(bytes[offset..].starts_with(format!("{} 0 obj", i + 1).as_bytes()));
        }
    }

    #[test]
    fn long_text_is_shortened_with_an_ellipsis() {
        let short = fit(&"word ".repeat(50), 100.0, 10.0);
        assert!(short.ends_with('…'));
        assert!(text_width(&short, 10.0, false) <= 110.0);
        assert_eq!(fit("a\nb", 100.0, 10.0), "a b");
    }
}
