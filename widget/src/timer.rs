//! Timers that are cleared when dropped, and a `sleep` future built on them.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// A `setTimeout`; dropping it calls `clearTimeout` and frees the callback.
#[derive(Debug)]
pub struct Timeout {
    id: i32,
    _callback: Closure<dyn FnMut()>,
}

impl Timeout {
    /// Runs `f` once after `ms` milliseconds, unless dropped first. `None` without a window.
    pub fn new(ms: u32, f: impl FnOnce() + 'static) -> Option<Self> {
        let callback = Closure::once(f);
        let ms = i32::try_from(ms).unwrap_or(i32::MAX);
        let id = web_sys::window()?
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                callback.as_ref().unchecked_ref(),
                ms,
            )
            .ok()?;
        Some(Timeout {
            id,
            _callback: callback,
        })
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            window.clear_timeout_with_handle(self.id);
        }
    }
}

/// Waits `ms` milliseconds. Dropping the future clears its timer.
pub fn sleep(ms: u32) -> Sleep {
    Sleep {
        ms,
        state: Rc::default(),
        timer: None,
    }
}

/// The future returned by [`sleep`].
#[derive(Debug)]
pub struct Sleep {
    ms: u32,
    state: Rc<RefCell<SleepState>>,
    timer: Option<Timeout>,
}

#[derive(Debug, Default)]
struct SleepState {
    fired: bool,
    waker: Option<Waker>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.state.borrow_mut();
        if state.fired {
            return Poll::Ready(());
        }
        state.waker = Some(cx.waker().clone());
        drop(state);
        if self.timer.is_none() {
            let shared = Rc::clone(&self.state);
            let timer = Timeout::new(self.ms, move || {
                let mut state = shared.borrow_mut();
                state.fired = true;
                if let Some(waker) = state.waker.take() {
                    drop(state);
                    waker.wake();
                }
            });
            match timer {
                Some(timer) => self.timer = Some(timer),
                // No window: nothing will ever wake us, so do not wait at all.
                None => return Poll::Ready(()),
            }
        }
        Poll::Pending
    }
}
