//! Lists: fused passes over a list (one pass for every aggregate of one list), folds and running values, generated lists.

#[allow(unused_imports)]
use super::*;

impl<'a> Evaluator<'a> {
    /// The value of member `member` of fused pass `pass` of the rule being
    /// evaluated: the first time it is asked for, one walk over the list
    /// computes it together with every other member that can be computed
    /// now.
    #[inline(never)]
    pub(super) fn fused_value(&mut self, pass: usize, member: usize, frame: &[Value]) -> Res<Value> {
        let cell = |ev: &Self| {
            ev.fused
                .last()
                .and_then(|f| f.get(pass))
                .and_then(|r| r.as_ref())
                .and_then(|r| r.get(member))
                .cloned()
                .flatten()
        };
        if let Some(r) = cell(self) {
            return r;
        }
        let rs = self.rs;
        let rule = self.current.and_then(|r| rs.rules.get(r));
        let body = rule.and_then(|r| r.body.in_force(self.as_of).ok()).map(|(b, _)| b);
        let Some(Body::Formula { passes, .. }) = body else {
            return Err(self.fail("a fused value outside its rule"));
        };
        let Some(p) = passes.get(pass) else { return Err(self.fail("no such fused pass")) };
        let mut results = self
            .fused
            .last_mut()
            .and_then(|f| f.get_mut(pass))
            .and_then(Option::take)
            .unwrap_or_else(|| vec![None; p.members.len()]);
        let walked = self.run_pass(p, frame, &mut results);
        if let Some(slot) = self.fused.last_mut().and_then(|f| f.get_mut(pass)) {
            *slot = Some(results);
        }
        walked?;
        cell(self).unwrap_or_else(|| Err(self.fail("a fused value was not computed")))
    }

    /// One walk over a list for every member of a pass not yet computed
    /// whose steps are computed (it reads below `frame.len()`); each member's
    /// value or error is kept apart. Only running out of a budget stops the
    /// walk.
    pub(super) fn run_pass(
        &mut self,
        p: &crate::lang::expr::fuse::Pass,
        frame: &[Value],
        results: &mut [Option<Res<Value>>],
    ) -> Res<()> {
        let items = match frame.get(p.list) {
            Some(Value::List(items)) => items.clone(),
            _ => return Err(self.fail("a fused pass over a value that is not a list")),
        };
        let len = frame.len();
        // the members to take now, in the order of their variable's slot, so
        // that one element moves up the frame once per walk step
        let mut todo: Vec<usize> = (0..p.members.len())
            .filter(|&m| {
                results.get(m).is_some_and(Option::is_none) && p.members.get(m).is_some_and(|x| x.needs <= len)
            })
            .collect();
        todo.sort_by_key(|&m| p.members.get(m).map(|x| x.slot));
        let mut accs: Vec<Res<Acc>> =
            todo.iter().filter_map(|&m| p.members.get(m)).map(|m| Ok(Acc::new(m.kind))).collect();
        // the frame as it is, then the element in each member's slot; the
        // slots between what a member reads and its variable are not read
        let mut scratch: Vec<Value> = frame.to_vec();
        for item in items.iter() {
            self.tick()?;
            scratch.truncate(len);
            for (&m, acc) in todo.iter().zip(accs.iter_mut()) {
                let (Some(m), Ok(a)) = (p.members.get(m), acc.as_mut()) else { continue };
                if !a.open() {
                    continue;
                }
                // a filter of field comparisons (`Member::field_tests`) is
                // tested on the element in place. Some(true): it holds;
                // Some(false): it does not; None: test it the general way
                // (a field is not there)
                let passes = m.field_tests.as_ref().and_then(|ts| {
                    for t in ts {
                        let v = field_at(item, &t.name, t.hint)?;
                        if (*v == t.value) != t.equal {
                            return Some(false);
                        }
                    }
                    Some(true)
                });
                if passes == Some(false) {
                    continue;
                }
                let filter = if passes == Some(true) { None } else { m.filter.as_ref() };
                let below = m.slot < len;
                if below {
                    // a variable in a slot the frame uses: put it back after
                    scratch.truncate(m.slot);
                    scratch.push(item.clone());
                } else if scratch.len() == m.slot + 1 {
                    // the element is already in this slot
                } else {
                    scratch.truncate(m.slot.max(len));
                    scratch.resize(m.slot, Value::Bool(false));
                    scratch.push(item.clone());
                }
                let r = self.take_element(a, filter, m.body.as_ref(), m.at, &mut scratch);
                if below || scratch.len() != m.slot + 1 {
                    scratch.truncate(m.slot.min(len));
                    scratch.extend(frame.get(scratch.len()..).unwrap_or_default().iter().cloned());
                }
                match r {
                    Ok(()) => {}
                    Err(f) if matches!(*f, Fault::Limit { .. }) => return Err(f),
                    Err(f) => *acc = Err(f),
                }
            }
        }
        for (&m, acc) in todo.iter().zip(accs) {
            if let Some(cell) = results.get_mut(m) {
                *cell = Some(acc.and_then(|a| a.finish(self)));
            }
        }
        Ok(())
    }

    /// Takes one element (already in its slot at the end of `frame`) into an
    /// aggregate.
    pub(super) fn take_element(
        &mut self,
        acc: &mut Acc,
        filter: Option<&CExpr>,
        body: Option<&CExpr>,
        at: Loc,
        frame: &mut Vec<Value>,
    ) -> Res<()> {
        if let Some(f) = filter {
            if !self.eval_bool(f, frame)? {
                return Ok(());
            }
        }
        acc.count += 1;
        let Some(body) = body else { return Ok(()) };
        let v = self.eval_expr(body, frame)?;
        match acc.kind {
            AggKind::Sum => {
                let Value::Number(y) = &v else {
                    return Err(self.fail(format!("`sum` of {}, not a number", v.kind())));
                };
                acc.sum = self.arith(BinOp::Add, &acc.sum, y, at)?;
            }
            AggKind::Min | AggKind::Max => {
                let keep = match &acc.best {
                    None => false,
                    Some(a) => {
                        if acc.kind == AggKind::Min {
                            *a <= v
                        } else {
                            *a >= v
                        }
                    }
                };
                if !keep {
                    acc.best = Some(v);
                }
            }
            AggKind::Any | AggKind::All => {
                let b = matches!(v, Value::Bool(true));
                if (acc.kind == AggKind::Any) == b {
                    acc.decided = Some(b);
                }
            }
            AggKind::List => {
                self.alloc(VALUE_BYTES)?;
                acc.collected.push(v);
            }
            AggKind::SortBy => {
                // the element is at the end of the frame; the sort costs
                // about log2(n) comparisons per element
                let Some(item) = frame.last().cloned() else { return Err(self.fail("`sort_by` lost its element")) };
                let n = acc.keyed.len() as u64 + 1;
                self.tick_n(64 - n.leading_zeros() as u64)?;
                self.alloc(2 * VALUE_BYTES)?;
                acc.keyed.push((v, item));
            }
            AggKind::Count => {}
            AggKind::Fold | AggKind::Scan => {
                return Err(self.fail(format!("`{}` without its running value", acc.kind.name())))
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    pub(super) fn eval_aggregate(
        &mut self,
        kind: AggKind,
        slot: usize,
        list: &CExpr,
        filter: Option<&CExpr>,
        body: Option<&CExpr>,
        at: Loc,
        frame: &mut Vec<Value>,
    ) -> Res<Value> {
        let items = match self.eval_expr(list, frame)? {
            Value::List(items) => items,
            other => return Err(self.fail(format!("`{}` over {}, not a list", kind.name(), other.kind()))),
        };
        let mut acc = Acc::new(kind);
        for item in items.iter() {
            if !acc.open() {
                break;
            }
            self.tick()?;
            frame.truncate(slot);
            frame.push(item.clone());
            let r = self.take_element(&mut acc, filter, body, at, frame);
            if r.is_err() {
                frame.truncate(slot);
            }
            r?;
        }
        frame.truncate(slot);
        acc.finish(self)
    }

    /// `fold` and `scan`: the running value at `slot`, each element at
    /// `slot + 1`; the body computes the next running value. `scan` keeps
    /// every value the running value takes after the start.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    pub(super) fn eval_fold(
        &mut self,
        running: bool,
        slot: usize,
        init: &CExpr,
        list: &CExpr,
        filter: Option<&CExpr>,
        body: Option<&CExpr>,
        frame: &mut Vec<Value>,
    ) -> Res<Value> {
        let name = if running { "scan" } else { "fold" };
        let items = match self.eval_expr(list, frame)? {
            Value::List(items) => items,
            other => return Err(self.fail(format!("`{name}` over {}, not a list", other.kind()))),
        };
        let Some(body) = body else { return Err(self.fail(format!("`{name}` without its step"))) };
        let mut acc = self.eval_expr(init, frame)?;
        let mut steps = Vec::new();
        for item in items.iter() {
            self.tick()?;
            frame.truncate(slot);
            frame.push(acc);
            frame.push(item.clone());
            let r = (|| {
                if let Some(f) = filter {
                    if !self.eval_bool(f, frame)? {
                        return Ok(None);
                    }
                }
                self.eval_expr(body, frame).map(Some)
            })();
            let taken = match r {
                Ok(x) => x,
                Err(e) => {
                    frame.truncate(slot);
                    return Err(e);
                }
            };
            let Some(previous) = frame.get(slot).cloned() else {
                return Err(self.fail(format!("`{name}` lost its running value")));
            };
            acc = match taken {
                Some(next) => {
                    if running {
                        self.alloc(VALUE_BYTES)?;
                        steps.push(next.clone());
                    }
                    next
                }
                None => previous,
            };
        }
        frame.truncate(slot);
        Ok(if running { Value::List(Arc::new(steps)) } else { acc })
    }

    /// The list `item(0) … item(span)` that `dates` and `range` produce,
    /// bounded in length and counted against the budgets.
    pub(in crate::run) fn generated_list(
        &mut self,
        function: &str,
        unit: &str,
        span: i64,
        mut item: impl FnMut(i64) -> Result<Value, String>,
    ) -> Res<Value> {
        if span > MAX_GENERATED {
            return Err(self.fail(format!(
                "`{function}` would list {} {unit}, more than the limit {}",
                span.saturating_add(1),
                MAX_GENERATED + 1
            )));
        }
        let len = span.max(-1) + 1;
        self.alloc(len as u64 * VALUE_BYTES)?;
        let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        for k in 0..=span {
            self.tick()?;
            out.push(item(k).map_err(|e| self.fail(e))?);
        }
        Ok(Value::List(Arc::new(out)))
    }
}
