//! The gold Points coin, drawn with DOM calls (no `innerHTML`) and presentation attributes.

use web_sys::{Document, Element};

use crate::dom::{append, svg};

/// A 36×36 coin: a darker rim offset down-right, the gold face, and a four-point star.
pub fn coin(document: &Document) -> Element {
    let icon = svg(
        document,
        "svg",
        &[
            ("class", "pk-coin"),
            ("viewBox", "0 0 40 40"),
            ("aria-hidden", "true"),
            ("focusable", "false"),
        ],
    );
    let shapes: [(&str, &[(&str, &str)]); 4] = [
        (
            "circle",
            &[
                ("cx", "21.5"),
                ("cy", "21.5"),
                ("r", "17"),
                ("fill", "#c27a2c"),
            ],
        ),
        (
            "circle",
            &[("cx", "19"), ("cy", "19"), ("r", "17"), ("fill", "#fdb625")],
        ),
        (
            "circle",
            &[
                ("cx", "19"),
                ("cy", "19"),
                ("r", "12.5"),
                ("fill", "#f59e1b"),
            ],
        ),
        (
            "path",
            &[
                (
                    "d",
                    "M19 10.5C19.8 16.6 21.4 18.2 27.5 19 21.4 19.8 19.8 21.4 19 27.5 18.2 21.4 16.6 19.8 10.5 19 16.6 18.2 18.2 16.6 19 10.5Z",
                ),
                ("fill", "#ffe6a8"),
            ],
        ),
    ];
    for (tag, attrs) in shapes {
        append(&icon, &svg(document, tag, attrs));
    }
    icon
}

/// The purple "Points" word-mark badge, decorative (the copy already names the programme).
#[cfg(feature = "product")]
pub fn logo(document: &Document) -> Element {
    let logo = crate::dom::element(document, "span", "pk-logo");
    crate::dom::set_attr(&logo, "aria-hidden", "true");
    crate::dom::append_text(&logo, "Points");
    logo
}
