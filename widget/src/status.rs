//! `return`: the order status on the page the hosted checkout sends the shopper back to.
//!
//! It reads the merchant's own order reference from the page URL and asks the merchant server
//! until the order settles. **Invariant:** the `status` query parameter is never read; only the
//! server's answer (which the server verified with Points) is shown.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortController, Element, Response, ShadowRoot, UrlSearchParams};

use crate::dom::{Field, append, append_text, dispatch, document, element, set_attr};
use crate::error::WidgetError;
use crate::fetch::{OrderAnswer, order_url, parse_body, request_init};
use crate::icon::coin;
use crate::lang::Lang;
use crate::order::{OrderReference, OrderState};
use crate::report::{report, set_state};
use crate::schedule::PollSchedule;
use crate::shadow::Sheet;

/// The status widget's own styles.
pub static STYLE: Sheet = Sheet {
    name: "status",
    css: include_str!("status.css"),
};

/// What the return widget needs beyond the language.
#[derive(Debug, Clone)]
pub struct ReturnOptions {
    /// Merchant server base URL, empty for this origin.
    pub server: String,
    /// The query parameter holding the order reference (`orderParam`).
    pub order_param: Option<String>,
}

/// A mounted return widget; dropping it stops polling.
#[derive(Debug)]
pub struct ReturnStatus {
    _poll: Option<Rc<Poller>>,
}

impl ReturnStatus {
    /// Renders the pending text and starts polling; without a reference, shows the error.
    pub fn mount(
        container: &Element,
        shadow: &ShadowRoot,
        lang: Lang,
        options: ReturnOptions,
    ) -> Result<Self, WidgetError> {
        let reference = reference_from_page(options.order_param.as_deref());
        let view = View::build(container, shadow, lang, reference.clone())?;
        let Some(reference) = reference else {
            view.fail(WidgetError::Order("no order reference in the page URL"));
            return Ok(ReturnStatus { _poll: None });
        };
        view.apply(OrderState::Pending);
        let fields = [
            ("type", Field::Str("return")),
            ("state", Field::Str("pending")),
        ];
        dispatch(container, "points:ready", &fields);
        let poller = Poller::new(
            view,
            order_url(
                &options.server,
                &reference,
                uuid_hint_from_page().as_deref(),
            ),
        );
        poller.request();
        Ok(ReturnStatus {
            _poll: Some(poller),
        })
    }
}

type Callback = Closure<dyn FnMut(JsValue)>;

/// Asks the server with back-off until a terminal state, a 404 or the 10-minute budget:
/// `fetch` → `response.text()` → show → `setTimeout` → `fetch` …, each step a callback holding
/// only a weak reference. Dropping it aborts the request in flight and clears the timer.
struct Poller {
    view: View,
    url: String,
    schedule: RefCell<PollSchedule>,
    abort: Option<AbortController>,
    timer: Cell<Option<i32>>,
    on_response: Callback,
    on_text: Callback,
    on_failure: Callback,
    on_timer: Closure<dyn FnMut()>,
}

impl std::fmt::Debug for Poller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Poller")
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        if let Some(controller) = &self.abort {
            controller.abort();
        }
        if let (Some(id), Some(window)) = (self.timer.get(), web_sys::window()) {
            window.clear_timeout_with_handle(id);
        }
    }
}

impl Poller {
    fn new(view: View, url: String) -> Rc<Self> {
        Rc::new_cyclic(|weak: &Weak<Poller>| {
            let with = |f: fn(&Poller, JsValue)| {
                let weak = weak.clone();
                Closure::<dyn FnMut(JsValue)>::new(move |value| {
                    if let Some(poller) = weak.upgrade() {
                        f(&poller, value);
                    }
                })
            };
            let timer = weak.clone();
            Poller {
                view,
                url,
                schedule: RefCell::new(PollSchedule::starting_at(js_sys::Date::now())),
                abort: AbortController::new().ok(),
                timer: Cell::new(None),
                on_response: with(Poller::response),
                on_text: with(Poller::text),
                on_failure: with(|poller, _| poller.again()),
                on_timer: Closure::new(move || {
                    if let Some(poller) = timer.upgrade() {
                        poller.timer.set(None);
                        poller.request();
                    }
                }),
            }
        })
    }

    fn request(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let signal = self.abort.as_ref().map(AbortController::signal);
        let init = request_init(signal.as_ref());
        let pending = window
            .fetch_with_str_and_init(&self.url, &init)
            .then2(&self.on_response, &self.on_failure);
        settle_quietly(&pending);
    }

    fn response(&self, value: JsValue) {
        let Ok(response) = value.dyn_into::<Response>() else {
            return self.again();
        };
        match response.status() {
            200 => match response.text() {
                Ok(text) => {
                    settle_quietly(&text.then2(&self.on_text, &self.on_failure));
                }
                Err(_) => self.again(),
            },
            404 => self.answer(OrderAnswer::NotFound),
            // A 5xx or anything else: keep the calm text and ask again.
            _ => self.again(),
        }
    }

    fn text(&self, value: JsValue) {
        match parse_body(&value.as_string().unwrap_or_default()) {
            Some(answer) => self.answer(answer),
            None => self.again(),
        }
    }

    fn answer(&self, answer: OrderAnswer) {
        let view = &self.view;
        match answer {
            OrderAnswer::NotFound => {
                view.fail(WidgetError::Order("the server does not know this order"));
            }
            OrderAnswer::Found {
                order_number: Some(number),
                ..
            } if view
                .reference
                .as_ref()
                .is_some_and(|r| r.as_str() != number) =>
            {
                view.fail(WidgetError::Order("the server answered for another order"));
            }
            OrderAnswer::Found {
                state: Some(state), ..
            } => {
                view.show(state);
                if !state.is_terminal() {
                    self.again();
                }
            }
            // An unknown state: ask again.
            OrderAnswer::Found { state: None, .. } => self.again(),
        }
    }

    /// Waits the next back-off delay, then asks again; past the budget, says so and stops.
    fn again(&self) {
        let delay = self.schedule.borrow_mut().next_delay(js_sys::Date::now());
        let Some(delay) = delay else {
            return self.view.still_processing();
        };
        let id = web_sys::window().and_then(|window| {
            window
                .set_timeout_with_callback_and_timeout_and_arguments_0(
                    self.on_timer.as_ref().unchecked_ref(),
                    i32::try_from(delay).unwrap_or(i32::MAX),
                )
                .ok()
        });
        self.timer.set(id);
    }
}

thread_local! {
    /// The last handler of every promise chain: never dropped, does nothing.
    static IGNORE: Closure<dyn FnMut(JsValue)> = Closure::new(|_: JsValue| {});
}

/// Ends a chain whose handlers belong to a [`Poller`]: destroying the widget drops them and
/// aborts the request, and the abort then calls a dropped handler, which throws. Caught here,
/// that stays inside the widget instead of surfacing as an unhandled rejection in the page.
fn settle_quietly(chain: &js_sys::Promise) {
    IGNORE.with(|ignore| {
        let _ = chain.catch(ignore);
    });
}

/// The `uuid` Points appended to the callback URL, if any (checked by [`order_url`]).
fn uuid_hint_from_page() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    UrlSearchParams::new_with_str(&search).ok()?.get("uuid")
}

/// The reference from `location.search`; `None` when absent or unusable.
fn reference_from_page(param: Option<&str>) -> Option<OrderReference> {
    let search = web_sys::window()?.location().search().ok()?;
    let query = UrlSearchParams::new_with_str(&search).ok()?;
    OrderReference::from_query(param, |name| query.get(name))
}

/// The rendered widget and the container it reports to.
#[derive(Debug)]
struct View {
    container: Element,
    root: Element,
    title: Element,
    detail: Element,
    lang: Lang,
    reference: Option<OrderReference>,
    shown: Cell<Option<OrderState>>,
}

impl View {
    fn build(
        container: &Element,
        shadow: &ShadowRoot,
        lang: Lang,
        reference: Option<OrderReference>,
    ) -> Result<Self, WidgetError> {
        let doc = document()?;
        let root = element(&doc, "div", "pk-box pk-status");
        append(&root, &coin(&doc));
        let region = element(&doc, "div", "pk-status__body");
        set_attr(&region, "role", "status");
        set_attr(&region, "aria-live", "polite");
        let title = element(&doc, "p", "pk-status__title");
        let detail = element(&doc, "p", "pk-status__detail");
        set_attr(&detail, "hidden", "");
        append(&region, &title);
        append(&region, &detail);
        append(&root, &region);
        shadow
            .append_child(&root)
            .map_err(|_| WidgetError::internal("appendChild"))?;
        let shown = Cell::new(None);
        Ok(View {
            container: container.clone(),
            root,
            title,
            detail,
            lang,
            reference,
            shown,
        })
    }

    /// Shows `state` and, if that is a change, dispatches `points:updated`.
    fn show(&self, state: OrderState) {
        if self.apply(state) {
            dispatch(
                &self.container,
                "points:updated",
                &[("state", Field::Str(state.as_str()))],
            );
        }
    }

    /// Renders `state` and sets `data-state`; false when it was already shown.
    fn apply(&self, state: OrderState) -> bool {
        if self.shown.get() == Some(state) {
            return false;
        }
        self.shown.set(Some(state));
        let (ar, en) = match state {
            OrderState::Pending => ("جارٍ تأكيد طلبك…", "Confirming your order…"),
            OrderState::Confirmed => ("تم تأكيد طلبك", "Your order is confirmed"),
            OrderState::Failed => ("لم يكتمل الدفع", "Payment was not completed"),
            OrderState::Expired => ("انتهت صلاحية جلسة الدفع", "The checkout session expired"),
            OrderState::Refunded => ("تم استرداد المبلغ", "Refunded"),
        };
        self.render(
            state.as_str(),
            self.lang.pick(ar, en),
            state == OrderState::Confirmed,
        );
        set_state(&self.container, state.as_str());
        true
    }

    /// Gives up after the polling budget; the state stays `pending`.
    fn still_processing(&self) {
        let text = self.lang.pick(
            "طلبك ما زال قيد المعالجة. تحقق مرة أخرى بعد دقائق.",
            "Your order is still being processed. Please check again in a few minutes.",
        );
        self.render("pending pk-status--timeout", text, false);
        let fields = [
            ("state", Field::Str("pending")),
            ("stillProcessing", Field::Bool(true)),
        ];
        dispatch(&self.container, "points:updated", &fields);
    }

    /// Shows a clear message and reports `error` (`POINTS_E_ORDER`).
    fn fail(&self, error: WidgetError) {
        let text = if self.reference.is_none() {
            self.lang.pick(
                "لم نجد رقم الطلب في هذا الرابط.",
                "We could not find an order reference in this link.",
            )
        } else {
            self.lang
                .pick("لم نجد هذا الطلب.", "We could not find this order.")
        };
        self.render("error", text, false);
        report(Some(&self.container), &error);
    }

    /// Replaces the title (and, for a confirmed order, the order number line).
    fn render(&self, modifier: &str, text: &str, with_reference: bool) {
        self.root
            .set_class_name(&["pk-box pk-status pk-status--", modifier].concat());
        self.title.set_text_content(Some(text));
        self.detail.set_text_content(None);
        let reference = self.reference.as_ref().filter(|_| with_reference);
        match reference.map(|r| self.fill_reference(r)) {
            Some(Ok(())) => {
                let _ = self.detail.remove_attribute("hidden");
            }
            _ => {
                let _ = self.detail.set_attribute("hidden", "");
            }
        }
    }

    /// "Order number: <bdi>A-1</bdi>".
    fn fill_reference(&self, reference: &OrderReference) -> Result<(), WidgetError> {
        append_text(
            &self.detail,
            self.lang.pick("رقم الطلب: ", "Order number: "),
        );
        let number = element(&document()?, "bdi", "pk-status__ref");
        append_text(&number, reference.as_str());
        append(&self.detail, &number);
        Ok(())
    }
}
