//! Decision tables: trying the rows under each hit policy, their cells, and the trace of a scale's brackets.

#[allow(unused_imports)]
use super::*;

impl<'a> Evaluator<'a> {
    /// The parts of a progressive computation, bracket by bracket, for the
    /// trace: `36000 × 3% = 1080`, each with its bracket's citation.
    pub(in crate::run) fn trace_brackets(
        &mut self,
        scale: &crate::ruleset::Scale,
        version: &crate::ruleset::ScaleVersion,
        x: &Number,
    ) {
        let mut lower = Number::zero();
        let rule = self.current.and_then(|c| self.rs.rules.get(c)).map(|r| r.qualified.clone()).unwrap_or_default();
        for (k, b) in version.brackets.iter().enumerate() {
            if *x <= lower {
                break;
            }
            let top = match &b.upper {
                Some((u, _)) if u < x => u.clone(),
                _ => x.clone(),
            };
            let (Ok(part), Ok(tax)) = (top.sub(&lower), top.sub(&lower).and_then(|p| p.mul(&b.rate))) else { break };
            self.record(TraceEntry {
                kind: TraceKind::Bracket,
                depth: self.depth,
                rule: rule.clone(),
                name: Some(format!("{} bracket {}", scale.qualified, k + 1)),
                detail: format!("{part} × {}", b.rate),
                value: Some(Value::Number(tax)),
                cite: Some(b.cite.clone()),
                count: 1,
            });
            match &b.upper {
                Some((u, _)) => lower = u.clone(),
                None => break,
            }
        }
    }

    pub(super) fn eval_table(&mut self, rule: &Rule, table: &Table, args: &[Value], depth: u32) -> Res<Vec<Value>> {
        let row_matches =
            |row: &crate::ruleset::Row| row.conds.iter().all(|(i, c)| args.get(*i).is_some_and(|v| c.matches(v)));
        // every matching row is kept only when the trace or the hit policy
        // needs them all; otherwise the first (and, for `unique`, a second)
        let fast = matches!(table.hit, HitPolicy::Unique | HitPolicy::First);
        let keep_all = self.trace.is_some() || !fast;
        let mut matched: Vec<usize> = Vec::new();
        let mut first: Option<usize> = None;
        let mut second = false;
        let mut second_ri = 0;
        for (ri, row) in table.rows.iter().enumerate() {
            self.tick_n(1 + row.conds.len() as u64)?;
            if row_matches(row) && self.row_bounds(row, args)? && self.row_guard(row, args)? {
                if keep_all {
                    matched.push(ri);
                }
                if first.is_none() {
                    first = Some(ri);
                } else if !second {
                    second = true;
                    second_ri = ri;
                }
                if table.hit == HitPolicy::First || (table.hit == HitPolicy::Unique && second && !keep_all) {
                    break;
                }
            }
        }
        if table.hit == HitPolicy::Unique && second {
            let which: Vec<usize> = if keep_all {
                matched.clone()
            } else if table.dynamic {
                // the rows after the second are not tried: their `if:` could fail
                vec![first.unwrap_or(0), second_ri]
            } else {
                (0..table.rows.len()).filter(|r| table.rows.get(*r).is_some_and(row_matches)).collect()
            };
            // each row named with its line in the pack
            let rows: Vec<String> = which
                .iter()
                .map(|r| match table.rows.get(*r) {
                    Some(row) if row.line > 0 => format!("{} (line {})", r + 1, row.line),
                    _ => (r + 1).to_string(),
                })
                .collect();
            let values = self.bound_values(rule, table, &[first.unwrap_or(0), second_ri], args)?;
            return Err(
                self.fail(format!("rows {} all match{values}, but the table's hit policy is unique", rows.join(", ")))
            );
        }
        if table.hit.ranks() {
            // a stable sort: rows of equal rank keep their order
            matched.sort_by_key(|&ri| table.rows.get(ri).map_or(usize::MAX, |row| table.rank(row)));
            first = matched.first().copied();
        }
        // computed cells of the rows whose outputs the table gives (every
        // matching row, except under `first`, `unique` and `priority`)
        let mut cells: Vec<(usize, Vec<Value>)> = Vec::new();
        if table.dynamic {
            let all = table.hit.lists(table.aggregate) || table.aggregate.is_some() || table.hit == HitPolicy::Any;
            let needed: Vec<usize> = if all { matched.clone() } else { first.into_iter().collect() };
            for ri in needed {
                if let Some(row) = table.rows.get(ri).filter(|r| !r.computed.is_empty()) {
                    cells.push((ri, self.row_cells(rule, table, row, args)?));
                }
            }
        }
        let outputs_of = |ri: usize| -> Option<&Vec<Value>> {
            match cells.iter().find(|(r, _)| *r == ri) {
                Some((_, v)) => Some(v),
                None => table.rows.get(ri).map(|r| &r.outputs),
            }
        };
        if table.hit == HitPolicy::Any {
            let outputs = outputs_of;
            if let Some(other) = matched.iter().find(|&&ri| outputs(ri) != first.and_then(outputs)) {
                let (a, b) = (first.unwrap_or(0) + 1, other + 1);
                return Err(self.fail(format!(
                    "rows {a} and {b} both match but give different outputs, and the table's hit policy is any"
                )));
            }
        }
        let many = table.hit.lists(table.aggregate) || table.aggregate.is_some();
        if self.trace.is_some() {
            self.trace_rows(rule, table, &matched, depth, many);
        }
        if table.hit.lists(table.aggregate) {
            let mut cols: Vec<Vec<Value>> = vec![Vec::with_capacity(matched.len()); rule.outputs.len()];
            for &ri in &matched {
                if let Some(outs) = outputs_of(ri) {
                    for (col, v) in cols.iter_mut().zip(outs.iter()) {
                        col.push(v.clone());
                    }
                }
            }
            self.alloc((matched.len() * rule.outputs.len()) as u64 * VALUE_BYTES)?;
            return Ok(cols.into_iter().map(|c| Value::List(Arc::new(c))).collect());
        }
        if let Some(outs) = self.aggregate_rows(table, rule.outputs.len(), &matched, &outputs_of)? {
            return Ok(outs);
        }
        match first.and_then(outputs_of) {
            Some(outs) => Ok(outs.clone()),
            None => match &table.default {
                Some(d) => Ok(d.clone()),
                None => {
                    let given = rule
                        .inputs
                        .iter()
                        .zip(args)
                        .map(|(i, v)| format!("{} = {}", i.name, v))
                        .collect::<Vec<_>>()
                        .join(", ");
                    Err(self.fail(format!("no row of the table matches {given}")))
                }
            },
        }
    }

    /// Whether a row's computed bounds hold (true for a row without any):
    /// each is evaluated and compared with its input.
    fn row_bounds(&mut self, row: &crate::ruleset::Row, args: &[Value]) -> Res<bool> {
        for b in &row.bounds {
            let mut frame = args.to_vec();
            let value = self.eval_expr(&b.expr, &mut frame)?;
            if !args.get(b.input).is_some_and(|v| b.holds(v, &value)) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// For a message about rows that match together: the values of their
    /// computed bounds (` (allowance = 5000)`), or nothing when they have
    /// none.
    fn bound_values(&mut self, rule: &Rule, table: &Table, rows: &[usize], args: &[Value]) -> Res<String> {
        let mut seen: Vec<String> = Vec::new();
        for row in rows.iter().filter_map(|r| table.rows.get(*r)) {
            for b in &row.bounds {
                let mut frame = args.to_vec();
                let value = self.eval_expr(&b.expr, &mut frame)?;
                let input = match (rule.inputs.get(b.input), args.get(b.input)) {
                    (Some(i), Some(v)) => format!("{} = {v}", i.name),
                    _ => String::new(),
                };
                for text in [input, format!("{} = {value}", b.src)] {
                    if !text.is_empty() && !seen.contains(&text) {
                        seen.push(text);
                    }
                }
            }
        }
        Ok(if seen.is_empty() { String::new() } else { format!(" ({})", seen.join(", ")) })
    }

    /// The matched rows in the trace, each with its citation: all of them
    /// when the table gives every match, else the one that decides.
    fn trace_rows(&mut self, rule: &Rule, table: &Table, matched: &[usize], depth: u32, many: bool) {
        for &ri in matched {
            let (Some(row), Some((name, detail))) = (table.rows.get(ri), table.trace_text.get(ri)) else {
                continue;
            };
            self.record(TraceEntry {
                kind: TraceKind::Row,
                depth,
                rule: rule.qualified.clone(),
                name: Some(name.clone()),
                detail: detail.clone(),
                value: None,
                cite: row.cite.clone().or_else(|| Some(rule.cite.clone())),
                count: 1,
            });
            if !many {
                break;
            }
        }
    }

    /// The outputs of `collect` with an aggregator (`count`, `sum`, `min`,
    /// `max`) over the matched rows; `None` when the table has none (or
    /// `min`/`max` has no row to take).
    fn aggregate_rows<'t>(
        &mut self,
        table: &'t Table,
        n: usize,
        matched: &[usize],
        outputs_of: &dyn Fn(usize) -> Option<&'t Vec<Value>>,
    ) -> Res<Option<Vec<Value>>> {
        match table.aggregate {
            Some(Aggregate::Count) => Ok(Some(vec![Value::Number(Number::from_int(matched.len() as i64)); n])),
            Some(Aggregate::Sum) => {
                let mut totals = vec![Number::from_int(0); n];
                for &ri in matched {
                    let Some(outs) = outputs_of(ri) else { continue };
                    for (t, v) in totals.iter_mut().zip(outs) {
                        if let Value::Number(x) = v {
                            self.tick()?;
                            *t = t.add(x).map_err(|e| self.fail(arith_message(e)))?;
                        }
                    }
                }
                Ok(Some(totals.into_iter().map(Value::Number).collect()))
            }
            Some(agg @ (Aggregate::Min | Aggregate::Max)) if !matched.is_empty() => {
                let mut best: Vec<Value> = matched.first().and_then(|&ri| outputs_of(ri)).cloned().unwrap_or_default();
                for &ri in matched.iter().skip(1) {
                    let Some(outs) = outputs_of(ri) else { continue };
                    for (b, v) in best.iter_mut().zip(outs) {
                        if (agg == Aggregate::Min && v < b) || (agg == Aggregate::Max && v > b) {
                            *b = v.clone();
                        }
                    }
                }
                Ok(Some(best))
            }
            _ => Ok(None),
        }
    }

    /// A row's outputs with its computed cells evaluated.
    pub(super) fn row_cells(
        &mut self,
        rule: &Rule,
        table: &Table,
        row: &crate::ruleset::Row,
        args: &[Value],
    ) -> Res<Vec<Value>> {
        let mut outs = row.outputs.clone();
        let mut frame = args.to_vec();
        for (k, e) in &row.computed {
            let mut v = self.eval_expr(e, &mut frame)?;
            rule.finish_cell(table, *k, &mut v).map_err(|m| self.fail(m))?;
            if let Some(slot) = outs.get_mut(*k) {
                *slot = v;
            }
        }
        Ok(outs)
    }
}
