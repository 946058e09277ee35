//! What the app sets in WebKit (`src-tauri/src/webkit.rs`), on real WebKit settings
//! under the run's display: what the app's own unit tests cannot make without one.

use wharf_lib::webkit::{features, ASYNC_OVERFLOW_SCROLLING};

#[test]
#[ignore = "needs the e2e environment: run `make e2e`"]
fn scrolling_boxes_are_drawn_in_the_page_layer_once_wharf_sets_it() {
    gtk::init().expect("GTK on the run's display");
    // The settings a web view is made with, without the view: a view would start WebKit's
    // processes, which this test thread cannot stop before the process exits.
    let settings = webkit2gtk::Settings::new();
    assert_eq!(
        features::enabled(&settings, ASYNC_OVERFLOW_SCROLLING),
        Ok(true),
        "WebKit's default changed: Wharf's setting may no longer be needed"
    );
    features::set(&settings, ASYNC_OVERFLOW_SCROLLING, false).unwrap();
    assert_eq!(
        features::enabled(&settings, ASYNC_OVERFLOW_SCROLLING),
        Ok(false)
    );
    assert_eq!(
        features::set(&settings, "NoSuchFeature", false),
        Err("this WebKitGTK has no such feature")
    );
}
