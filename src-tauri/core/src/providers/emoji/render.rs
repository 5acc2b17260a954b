//! Draws 512×512 PNGs: an emoji SVG (resvg) with the word as a caption, or a text-only word
//! card. Text is drawn with `ab_glyph` and the bundled DejaVu Sans (Latin, Greek, Cyrillic and
//! more), without shaping or bidi: text in a script that needs them (Hebrew, Arabic, Indic,
//! Thai, ...) or with a character DejaVu lacks (CJK, emoji) is reported as not drawable, and the
//! caller falls back (no caption; the SVG word card, which viewers draw with system fonts).
//!
//! CJK plan: a CJK font is not bundled (Noto Sans CJK is ~90 MB for the family; even one
//! weight subset to GB2312+JIS level 1 would be ~5 MB). If it is added later, load it as a
//! second `FontRef`, pick the font per character, and bump the provider's settings key.

use std::sync::OnceLock;

use ab_glyph::{point, Font, FontRef, GlyphId, PxScale, PxScaleFont, ScaleFont};

type Scaled = PxScaleFont<&'static FontRef<'static>>;
use resvg::tiny_skia::{Color, Pixmap, Transform};
use resvg::usvg;
use unicode_normalization::UnicodeNormalization;

/// Side of every picture, in pixels.
pub const SIZE: u32 = 512;

static FONT_TTF: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/fonts/DejaVuSans.ttf"));

fn font() -> Option<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_TTF).ok()).as_ref()
}

const WHITE: [u8; 3] = [0xff, 0xff, 0xff];
const CARD: [u8; 3] = [0xee, 0xf2, 0xff];
const INK: [u8; 3] = [0x1e, 0x29, 0x3b];
const SOFT_INK: [u8; 3] = [0x47, 0x55, 0x69];

/// The emoji `svg` on white, with `caption` below it when the caption is drawable.
pub fn picture_png(svg: &str, caption: &str) -> Result<Vec<u8>, String> {
    let tree = usvg::Tree::from_str(svg, &usvg::Options::default()).map_err(|e| format!("emoji svg: {e}"))?;
    let mut canvas = Canvas::new(WHITE)?;
    let caption = clean(caption);
    let with_caption = !caption.is_empty() && drawable(&caption);
    let (side, top) = if with_caption { (320.0, 48.0) } else { (384.0, 64.0) };
    let size = tree.size();
    let scale = side / size.width().max(size.height()).max(1.0);
    let (w, h) = (size.width() * scale, size.height() * scale);
    let transform = Transform::from_translate((SIZE as f32 - w) / 2.0, top + (side - h) / 2.0).pre_scale(scale, scale);
    resvg::render(&tree, transform, &mut canvas.pixmap.as_mut());
    if with_caption {
        canvas.text(&caption, Rect { x: 32.0, y: 388.0, w: 448.0, h: 100.0 }, &[64.0, 56.0, 48.0, 40.0, 34.0, 28.0, 24.0, 20.0], INK);
    }
    canvas.png()
}

/// A text-only card: `word` large, `translation` smaller below. `None` when either text has
/// characters the bundled font cannot draw properly (see the module comment).
pub fn word_card_png(word: &str, translation: Option<&str>) -> Option<Result<Vec<u8>, String>> {
    let word = clean(word);
    let translation = translation.map(clean).filter(|t| !t.is_empty());
    if word.is_empty() || !drawable(&word) || translation.as_deref().is_some_and(|t| !drawable(t)) {
        return None;
    }
    let mut canvas = match Canvas::new(CARD) {
        Ok(c) => c,
        Err(e) => return Some(Err(e)),
    };
    const WORD_SIZES: &[f32] = &[112.0, 96.0, 84.0, 72.0, 64.0, 56.0, 48.0, 42.0, 36.0, 30.0, 26.0, 22.0, 18.0];
    match &translation {
        Some(t) => {
            canvas.text(&word, Rect { x: 36.0, y: 40.0, w: 440.0, h: 290.0 }, WORD_SIZES, INK);
            canvas.text(t, Rect { x: 36.0, y: 350.0, w: 440.0, h: 124.0 }, &[44.0, 38.0, 32.0, 28.0, 24.0, 20.0, 16.0], SOFT_INK);
        }
        None => canvas.text(&word, Rect { x: 36.0, y: 40.0, w: 440.0, h: 432.0 }, WORD_SIZES, INK),
    }
    Some(canvas.png())
}

/// NFC; controls, format characters (ZWJ, bidi marks, BOM) and variation selectors dropped;
/// whitespace runs collapsed.
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfc() {
        let invisible = c.is_control()
            || matches!(c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0xFE00..=0xFE0F | 0xFEFF | 0xE0000..=0xE007F);
        if c.is_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else if !invisible {
            out.push(c);
        }
    }
    out.trim_end().to_string()
}

/// Whether every character has a DejaVu glyph and needs no shaping or reordering.
pub fn drawable(text: &str) -> bool {
    let Some(font) = font() else { return false };
    text.chars().all(|c| c == ' ' || (!needs_shaping(c) && font.glyph_id(c).0 != 0))
}

/// Right-to-left and complex scripts that `ab_glyph` (no shaping, no bidi) would draw wrongly.
fn needs_shaping(c: char) -> bool {
    matches!(c as u32,
        0x0590..=0x08FF     // Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic
        | 0x0900..=0x0DFF   // Indic scripts, Sinhala
        | 0x0E00..=0x0FFF   // Thai, Lao, Tibetan
        | 0x1000..=0x109F   // Myanmar
        | 0x1780..=0x18AF   // Khmer, Mongolian
        | 0xA8E0..=0xA8FF
        | 0xFB1D..=0xFDFF   // Hebrew and Arabic presentation forms
        | 0xFE70..=0xFEFF
        | 0x10800..=0x10FFF // historic RTL scripts
        | 0x1E800..=0x1EFFF)
}

struct Rect {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

struct Canvas {
    pixmap: Pixmap,
}

impl Canvas {
    fn new(bg: [u8; 3]) -> Result<Canvas, String> {
        let mut pixmap = Pixmap::new(SIZE, SIZE).ok_or("cannot allocate the picture")?;
        pixmap.fill(Color::from_rgba8(bg[0], bg[1], bg[2], 0xff));
        Ok(Canvas { pixmap })
    }

    /// Draws `text` centred in `rect`, wrapped at spaces (or anywhere for a long word), at the
    /// largest of `sizes` that fits; at the smallest size, lines that do not fit are cut with "…".
    fn text(&mut self, text: &str, rect: Rect, sizes: &[f32], ink: [u8; 3]) {
        let Some(font) = font() else { return };
        let Some(&smallest) = sizes.last() else { return };
        // The largest size at which the text fits without splitting a word; failing that, the
        // largest at which it fits at all.
        let mut whole_words = None;
        let mut split_words = None;
        for &size in sizes {
            let sf = font.as_scaled(PxScale::from(size));
            let (lines, split) = wrap(&sf, text, rect.w);
            if lines.len() as f32 * line_height(&sf) <= rect.h {
                if !split {
                    whole_words = Some((size, lines));
                    break;
                }
                split_words.get_or_insert((size, lines));
            }
        }
        let (size, lines) = whole_words.or(split_words).unwrap_or_else(|| {
            let sf = font.as_scaled(PxScale::from(smallest));
            let max_lines = ((rect.h / line_height(&sf)).floor() as usize).max(1);
            let (mut lines, _) = wrap(&sf, text, rect.w);
            if lines.len() > max_lines {
                lines.truncate(max_lines);
                if let Some(last) = lines.last_mut() {
                    *last = ellipsize(&sf, last, rect.w);
                }
            }
            (smallest, lines)
        });
        let sf = font.as_scaled(PxScale::from(size));
        let lh = line_height(&sf);
        let mut baseline = rect.y + (rect.h - lines.len() as f32 * lh).max(0.0) / 2.0 + sf.ascent();
        for line in &lines {
            let x = rect.x + (rect.w - width(&sf, line)).max(0.0) / 2.0;
            self.line(font, &sf, line, x, baseline, ink);
            baseline += lh;
        }
    }

    fn line(&mut self, font: &FontRef<'static>, sf: &Scaled, line: &str, x: f32, baseline: f32, ink: [u8; 3]) {
        let mut caret = x;
        let mut prev: Option<GlyphId> = None;
        for c in line.chars() {
            let id = sf.glyph_id(c);
            if let Some(p) = prev {
                caret += sf.kern(p, id);
            }
            let glyph = id.with_scale_and_position(sf.scale(), point(caret, baseline));
            caret += sf.h_advance(id);
            prev = Some(id);
            let Some(outline) = font.outline_glyph(glyph) else { continue };
            let bounds = outline.px_bounds();
            let data = self.pixmap.data_mut();
            outline.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i64 + gx as i64;
                let py = bounds.min.y as i64 + gy as i64;
                if px < 0 || py < 0 || px >= SIZE as i64 || py >= SIZE as i64 {
                    return;
                }
                let a = coverage.clamp(0.0, 1.0);
                let i = (py as usize * SIZE as usize + px as usize) * 4;
                for (k, &ink) in ink.iter().enumerate() {
                    let dst = f32::from(data[i + k]);
                    data[i + k] = (dst + (f32::from(ink) - dst) * a).round() as u8;
                }
            });
        }
    }

    /// RGB PNG (the canvas is opaque, so the premultiplied RGBA is plain RGB).
    fn png(&self) -> Result<Vec<u8>, String> {
        let rgb: Vec<u8> = self.pixmap.data().chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
        let mut out = Vec::with_capacity(32 * 1024);
        let mut encoder = png::Encoder::new(&mut out, SIZE, SIZE);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Balanced);
        let mut writer = encoder.write_header().map_err(|e| format!("png: {e}"))?;
        writer.write_image_data(&rgb).map_err(|e| format!("png: {e}"))?;
        writer.finish().map_err(|e| format!("png: {e}"))?;
        Ok(out)
    }
}

fn line_height(sf: &Scaled) -> f32 {
    sf.ascent() - sf.descent() + sf.line_gap()
}

fn width(sf: &Scaled, s: &str) -> f32 {
    let mut w = 0.0;
    let mut prev: Option<GlyphId> = None;
    for c in s.chars() {
        let id = sf.glyph_id(c);
        if let Some(p) = prev {
            w += sf.kern(p, id);
        }
        w += sf.h_advance(id);
        prev = Some(id);
    }
    w
}

/// Greedy wrap at spaces; a word wider than the line is split between characters (and the
/// second value says so).
fn wrap(sf: &Scaled, text: &str, max: f32) -> (Vec<String>, bool) {
    let mut split = false;
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if current.is_empty() { word.to_string() } else { format!("{current} {word}") };
        if width(sf, &candidate) <= max {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        if width(sf, word) <= max {
            current = word.to_string();
        } else {
            split = true;
            for c in word.chars() {
                current.push(c);
                if width(sf, &current) > max && current.chars().count() > 1 {
                    current.pop();
                    lines.push(std::mem::take(&mut current));
                    current.push(c);
                }
            }
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    (lines, split)
}

/// `line` shortened so that it plus "…" fits `max`.
fn ellipsize(sf: &Scaled, line: &str, max: f32) -> String {
    let mut s: String = line.to_string();
    loop {
        let candidate = format!("{}…", s.trim_end());
        if width(sf, &candidate) <= max || s.is_empty() {
            return candidate;
        }
        s.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawable_text_is_what_dejavu_covers_without_shaping() {
        assert!(drawable("Apfel яблоко μήλο"));
        assert!(!drawable("苹果"));
        assert!(!drawable("תפוח"));
        assert!(!drawable("تفاحة"));
        assert!(!drawable("🍎"));
    }

    #[test]
    fn cleaning_drops_invisible_characters() {
        assert_eq!(clean("a\u{200d}b\u{fe0f}\u{202e}  c\n"), "ab c");
        assert_eq!(clean("\u{feff}"), "");
    }
}
