//! Background work tied to a widget's lifetime: dropping the [`Task`] stops it at its next
//! `.await` and drops everything it holds (its timers, its in-flight request).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// A spawned future that is cancelled when this handle is dropped.
#[derive(Debug)]
pub struct Task {
    shared: Rc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    cancelled: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl Task {
    /// Runs `future` on the browser's microtask queue until it finishes or this is dropped.
    pub fn spawn(future: impl Future<Output = ()> + 'static) -> Self {
        let shared = Rc::new(Shared::default());
        let inner = Some(Box::pin(future) as Pin<Box<dyn Future<Output = ()>>>);
        wasm_bindgen_futures::spawn_local(Cancellable {
            inner,
            shared: Rc::clone(&shared),
        });
        Task { shared }
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        self.shared.cancelled.set(true);
        let waker = self.shared.waker.borrow_mut().take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

struct Cancellable {
    inner: Option<Pin<Box<dyn Future<Output = ()>>>>,
    shared: Rc<Shared>,
}

impl Future for Cancellable {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.shared.cancelled.get() {
            // Drop the work now rather than when the executor lets go of us.
            self.inner = None;
            return Poll::Ready(());
        }
        *self.shared.waker.borrow_mut() = Some(cx.waker().clone());
        match self.inner.as_mut().map(|f| f.as_mut().poll(cx)) {
            Some(Poll::Pending) => Poll::Pending,
            _ => {
                self.inner = None;
                Poll::Ready(())
            }
        }
    }
}
