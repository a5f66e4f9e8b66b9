//! Plain documents as PDF: lines of text on A4 pages. ASCII text is set in
//! Helvetica; other text (a Chinese name or address, say) in Adobe's
//! standard Chinese font STSong-Light through the predefined `UniGB-UTF16-H`
//! CMap, which PDF readers supply themselves, so nothing is embedded and
//! nothing prints as '?'. Used for the export documents (LOG-6) and the
//! order confirmation sheet (ORD-16).

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str};

/// `lines` as a PDF document, 50 lines to an A4 page.
pub fn text_document(lines: &[String]) -> Vec<u8> {
    const LINES_PER_PAGE: usize = 50;
    let pages: Vec<&[String]> = lines.chunks(LINES_PER_PAGE).collect();
    let catalog_id = Ref::new(1);
    let page_tree_id = Ref::new(2);
    let latin_id = Ref::new(3);
    let (latin, chinese) = (Name(b"F1"), Name(b"F2"));
    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(page_tree_id);
    let page_ids: Vec<Ref> = (0..pages.len())
        .map(|index| Ref::new(4 + 2 * i32::try_from(index).unwrap_or(0)))
        .collect();
    let after_pages = 4 + 2 * i32::try_from(pages.len()).unwrap_or(0);
    let (chinese_id, cid_id, descriptor_id) = (
        Ref::new(after_pages),
        Ref::new(after_pages + 1),
        Ref::new(after_pages + 2),
    );
    pdf.pages(page_tree_id)
        .kids(page_ids.iter().copied())
        .count(i32::try_from(pages.len()).unwrap_or(1));
    pdf.type1_font(latin_id).base_font(Name(b"Helvetica"));
    chinese_font(&mut pdf, chinese_id, cid_id, descriptor_id);
    for (page_lines, page_id) in pages.iter().zip(&page_ids) {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, 595.0, 842.0));
        page.parent(page_tree_id);
        page.contents(content_id);
        page.resources()
            .fonts()
            .pair(latin, latin_id)
            .pair(chinese, chinese_id);
        drop(page);
        let mut content = Content::new();
        content.begin_text();
        content.next_line(50.0, 800.0);
        for (index, line) in page_lines.iter().enumerate() {
            if index > 0 {
                content.next_line(0.0, -15.0);
            }
            for (ascii, run) in runs(line) {
                if ascii {
                    content.set_font(latin, 10.0);
                    content.show(Str(run.as_bytes()));
                } else {
                    content.set_font(chinese, 10.0);
                    let bytes: Vec<u8> = run.encode_utf16().flat_map(u16::to_be_bytes).collect();
                    content.show(Str(&bytes));
                }
            }
        }
        content.end_text();
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

/// A line cut into runs of ASCII (set in Helvetica, with its own widths) and
/// of other text (set in the Chinese font, full width); control characters
/// become spaces.
fn runs(line: &str) -> Vec<(bool, String)> {
    let mut runs: Vec<(bool, String)> = Vec::new();
    for c in line.chars() {
        let c = if c.is_control() { ' ' } else { c };
        match runs.last_mut() {
            Some((ascii, run)) if *ascii == c.is_ascii() => run.push(c),
            _ => runs.push((c.is_ascii(), c.to_string())),
        }
    }
    runs
}

/// STSong-Light, one of the CJK fonts every PDF reader must be able to show
/// without it being embedded (Adobe-GB1), addressed in UTF-16.
fn chinese_font(pdf: &mut Pdf, font_id: Ref, cid_id: Ref, descriptor_id: Ref) {
    const NAME: Name<'static> = Name(b"STSong-Light");
    pdf.type0_font(font_id)
        .base_font(NAME)
        .encoding_predefined(Name(b"UniGB-UTF16-H"))
        .descendant_font(cid_id);
    pdf.cid_font(cid_id)
        .subtype(CidFontType::Type0)
        .base_font(NAME)
        .system_info(SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"GB1"),
            supplement: 4,
        })
        .font_descriptor(descriptor_id)
        .default_width(1000.0);
    pdf.font_descriptor(descriptor_id)
        .name(NAME)
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(-25.0, -254.0, 1000.0, 880.0))
        .italic_angle(0.0)
        .ascent(880.0)
        .descent(-120.0)
        .cap_height(880.0)
        .stem_v(93.0);
}
