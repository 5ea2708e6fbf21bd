//! The runs of copy that show a point count ("**1,507 نقطة**"): created once, refilled in place on
//! every update. The digits sit in a `<bdi>` so a number never reorders the text around it.

use web_sys::{Document, Element};

use crate::dom::{append, append_text, document, element};
use crate::error::WidgetError;
use crate::format::{Digits, format_points};
use crate::lang::Lang;
use crate::points::Points;

/// Every "N points" run of one widget.
#[derive(Debug)]
pub struct PointsRuns {
    runs: Vec<Element>,
    lang: Lang,
    digits: Digits,
}

impl PointsRuns {
    /// No runs yet.
    pub fn new(lang: Lang, digits: Digits) -> Self {
        PointsRuns {
            runs: Vec::new(),
            lang,
            digits,
        }
    }

    /// A new empty `<b class="pk-points">` run, appended to `parent`.
    pub fn add(&mut self, doc: &Document, parent: &Element) -> Result<(), WidgetError> {
        let run = element(doc, "b", "pk-points");
        append(parent, &run);
        self.runs.push(run);
        Ok(())
    }

    /// Writes `<bdi>1,507</bdi> points` into every run.
    pub fn fill(&self, points: Points) -> Result<(), WidgetError> {
        let doc = document()?;
        let number = format_points(points, self.lang, self.digits);
        let unit = match (self.lang, points.get()) {
            (Lang::Ar, _) => " نقطة",
            (Lang::En, 1) => " point",
            (Lang::En, _) => " points",
        };
        for run in &self.runs {
            let bdi = element(&doc, "bdi", "pk-number");
            append_text(&bdi, &number);
            run.set_text_content(None);
            append(run, &bdi);
            append_text(run, unit);
        }
        Ok(())
    }
}

/// Appends `parts` to `parent`: text as text nodes, [`Part::Points`] as a run in `runs`.
pub fn compose(
    doc: &Document,
    parent: &Element,
    runs: &mut PointsRuns,
    parts: &[Part<'_>],
) -> Result<(), WidgetError> {
    for part in parts {
        match part {
            Part::Text(text) => append_text(parent, text),
            Part::Points => runs.add(doc, parent)?,
        }
    }
    Ok(())
}

/// A piece of copy.
#[derive(Debug, Clone, Copy)]
pub enum Part<'a> {
    /// Plain text in the widget's language.
    Text(&'a str),
    /// The point count.
    Points,
}
