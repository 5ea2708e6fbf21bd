//! A panic is a bug, but it must not become an exception thrown at the merchant's page: one
//! console line with our code, nothing else. (The `widget` profile aborts on panic; the loader
//! catches the resulting trap and reports `POINTS_E_INTERNAL`.)

/// Replaces the default hook (which prints nothing useful in a browser).
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        // Not formatted: `info`'s Display would pull the formatting machinery into the bundle.
        let _ = info;
        crate::report::log_error("POINTS_E_INTERNAL: the widget panicked");
    }));
}
