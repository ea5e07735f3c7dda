//! Budgets and cancellation: what one evaluation may spend, and the weight of a value, measured within what is left.

#[allow(unused_imports)]
use super::*;

/// A flag a host raises to stop evaluations in flight (a request that timed
/// out, a client that went away). Cheap to clone; every clone is the same
/// flag.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<std::sync::atomic::AtomicBool>);

impl Cancel {
    /// A flag not raised.
    pub fn new() -> Self {
        Cancel::default()
    }

    /// Raises the flag: evaluations holding it stop at their next check.
    pub fn cancel(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the flag is raised.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Steps between two looks at the cancellation flag.
pub(super) const CANCEL_CHECK_EVERY: u64 = 4096;

/// The budgets of one evaluation (see the module documentation for what
/// each bounds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Steps.
    pub max_steps: u64,
    /// Decimal digits of the numerator or denominator of any number.
    pub max_digits: u64,
    /// Bytes of values created.
    pub max_bytes: u64,
}

/// How much a value weighs for the budgets: one per scalar, plus the
/// weight of every element or field.
pub fn weight(v: &Value) -> u64 {
    match v {
        Value::List(items) => 1 + items.iter().map(weight).sum::<u64>(),
        Value::Record(r) => 1 + r.values().map(weight).sum::<u64>(),
        _ => 1,
    }
}

/// The weight of a value, or any number above `cap` once the walk passes
/// it: a list that shares one element many times (`[x, x, …]` built by a
/// comprehension) weighs what a copy would, and walking it to find that out
/// must not itself be unbounded, so the walk stops as soon as it is past
/// the budget that is left.
pub fn weight_within(v: &Value, cap: u64) -> u64 {
    fn walk(v: &Value, cap: u64, acc: &mut u64) {
        *acc = acc.saturating_add(1);
        if *acc > cap {
            return;
        }
        match v {
            Value::List(items) => {
                for x in items.iter() {
                    walk(x, cap, acc);
                    if *acc > cap {
                        return;
                    }
                }
            }
            Value::Record(r) => {
                for x in r.values() {
                    walk(x, cap, acc);
                    if *acc > cap {
                        return;
                    }
                }
            }
            _ => {}
        }
    }
    let mut acc = 0;
    walk(v, cap, &mut acc);
    acc
}
