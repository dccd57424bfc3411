//! Evaluates compiled conditions. Allocation-free: the only mutable state is a caller-owned
//! [`Scratch`] that memoizes audiences for the current request.

use crate::bucket::{bucket_from, number_unit_text, Murmur3};
use crate::context::{Context, Val, Zone};
use crate::program::{Node, NodeId, Program, SemverCmp, Test, Tri};

/// Per-request memo of audiences and shared subconditions, reused across requests so that
/// evaluation does not allocate. A generation counter forgets everything in O(1).
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    generation: u32,
    memo: Vec<(u32, Tri)>,
    /// A [`crate::plan::PagePlan`]'s results for the current request.
    pub(crate) bits: Vec<u8>,
}

impl Scratch {
    pub fn for_program(program: &Program) -> Scratch {
        Scratch { generation: 1, memo: vec![(0, Tri::False); program.memo_slots as usize], bits: Vec::new() }
    }

    /// Starts a new request: forgets every memoized result.
    pub fn reset(&mut self, program: &Program) {
        if self.memo.len() < program.memo_slots as usize {
            self.memo.resize(program.memo_slots as usize, (0, Tri::False));
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.memo.iter_mut().for_each(|a| a.0 = 0);
            self.generation = 1;
        }
    }
}

impl Program {
    /// Evaluates node `root` for `ctx`. Call [`Scratch::reset`] once per request first.
    ///
    /// Constants and already-memoized results are answered here without a call: most visits
    /// on a page are shared audiences, and the call itself was the hot spot.
    #[inline(always)]
    pub fn eval(&self, root: NodeId, ctx: &Context, scratch: &mut Scratch) -> Tri {
        match &self.nodes[root as usize] {
            Node::Const(t) => *t,
            Node::Memo { memo, .. } => match scratch.memo.get(*memo as usize) {
                Some(&(generation, t)) if generation == scratch.generation => t,
                _ => self.eval_node(root, ctx, scratch),
            },
            // Leaves go to a small function of their own: the combinators' larger frame is
            // not paid for the most common node.
            Node::Pred { slot, consent, test, negate } => self.pred(*slot, *consent, test, *negate, ctx),
            _ => self.eval_node(root, ctx, scratch),
        }
    }

    #[inline(never)]
    fn pred(&self, slot: u32, consent: Option<u16>, test: &Test, negate: bool, ctx: &Context) -> Tri {
        if !consented(consent, ctx) {
            return Tri::Unknown;
        }
        match &ctx.values[slot as usize] {
            Val::Missing => Tri::False,
            value => Tri::from_bool(self.test(test, value, slot, ctx) != negate),
        }
    }

    #[inline(never)]
    fn eval_node(&self, root: NodeId, ctx: &Context, scratch: &mut Scratch) -> Tri {
        match &self.nodes[root as usize] {
            Node::Const(t) => *t,
            Node::All { first, len } => {
                let mut result = Tri::True;
                for &kid in &self.children[*first as usize..(*first + *len) as usize] {
                    match self.eval(kid, ctx, scratch) {
                        Tri::False => return Tri::False,
                        Tri::Unknown => result = Tri::Unknown,
                        Tri::True => {}
                    }
                }
                result
            }
            Node::Any { first, len } => {
                let mut result = Tri::False;
                for &kid in &self.children[*first as usize..(*first + *len) as usize] {
                    match self.eval(kid, ctx, scratch) {
                        Tri::True => return Tri::True,
                        Tri::Unknown => result = Tri::Unknown,
                        Tri::False => {}
                    }
                }
                result
            }
            Node::Not(inner) => self.eval(*inner, ctx, scratch).negate(),
            Node::Memo { memo, inner } => {
                let memo = *memo as usize;
                let t = self.eval(*inner, ctx, scratch);
                if let Some(entry) = scratch.memo.get_mut(memo) {
                    *entry = (scratch.generation, t);
                }
                t
            }
            Node::Pred { slot, consent, test, negate } => self.pred(*slot, *consent, test, *negate, ctx),
            Node::Rollout { slot, consent, prefix, threshold } => rollout(*slot, *consent, prefix, *threshold, ctx),
        }
    }

    /// A leaf's value: a test, a rollout or a constant (any other node is not a leaf: unknown).
    pub(crate) fn eval_leaf(&self, node: NodeId, ctx: &Context) -> Tri {
        match self.nodes.get(node as usize) {
            Some(Node::Const(t)) => *t,
            Some(Node::Pred { slot, consent, test, negate }) => self.pred(*slot, *consent, test, *negate, ctx),
            Some(Node::Rollout { slot, consent, prefix, threshold }) => rollout(*slot, *consent, prefix, *threshold, ctx),
            _ => Tri::Unknown,
        }
    }

    #[inline]
    /// The operator on a present, well-typed value (before `negate`).
    fn test(&self, test: &Test, value: &Val, slot: u32, ctx: &Context) -> bool {
        match (test, value) {
            (Test::Exists, _) => true,
            (Test::EqStr(want), Val::Str(s)) => **want == *ctx.str(*s),
            (Test::EqNum(want), Val::Num(n)) => *want == *n,
            (Test::EqBool(want), Val::Bool(b)) => want == b,
            (Test::InStr(set), Val::Str(s)) => {
                let s = ctx.str(*s);
                set.binary_search_by(|x| (**x).cmp(s)).is_ok()
            }
            (Test::InNum(set), Val::Num(n)) => set.iter().any(|x| x == n),
            (Test::InBool(has_true, has_false), Val::Bool(b)) => {
                if *b {
                    *has_true
                } else {
                    *has_false
                }
            }
            (Test::Lt(x), Val::Num(n)) => n < x,
            (Test::Lte(x), Val::Num(n)) => n <= x,
            (Test::Gt(x), Val::Num(n)) => n > x,
            (Test::Gte(x), Val::Num(n)) => n >= x,
            (Test::Between(lo, hi), Val::Num(n)) => lo <= n && n <= hi,
            (Test::Contains(x), Val::Str(s)) => ctx.str(*s).contains(&**x),
            (Test::StartsWith(x), Val::Str(s)) => ctx.str(*s).starts_with(&**x),
            (Test::EndsWith(x), Val::Str(s)) => ctx.str(*s).ends_with(&**x),
            (Test::Matches(id), Val::Str(s)) => self.regexes[*id as usize].is_match(ctx.str(*s)),
            (Test::Semver(cmp, want), Val::Semver(Some(v))) => {
                let Some(v) = ctx.version(*v) else { return false };
                let ord = v.cmp_precedence(want);
                match cmp {
                    SemverCmp::Eq => ord.is_eq(),
                    SemverCmp::Lt => ord.is_lt(),
                    SemverCmp::Lte => ord.is_le(),
                    SemverCmp::Gt => ord.is_gt(),
                    SemverCmp::Gte => ord.is_ge(),
                }
            }
            (Test::Before(x), Val::Time(Some(t))) => t < x,
            (Test::After(x), Val::Time(Some(t))) => t > x,
            (Test::WithinLast(seconds), Val::Time(Some(t))) => ctx.now().is_some_and(|now| {
                let age = now.as_nanos() - t.as_nanos();
                age >= 0 && age <= i128::from(*seconds) * 1_000_000_000
            }),
            (Test::DayOfWeek(mask), Val::Time(Some(_))) => local(ctx, slot).is_some_and(|(day, _)| mask & (1 << day) != 0),
            (Test::HourBetween(start, end), Val::Time(Some(_))) => local(ctx, slot).is_some_and(|(_, h)| match start.cmp(end) {
                std::cmp::Ordering::Less => *start <= h && h < *end,
                std::cmp::Ordering::Greater => h >= *start || h < *end,
                std::cmp::Ordering::Equal => false,
            }),
            (Test::AnyOf(want), Val::List(have)) => want.iter().any(|w| ctx.list(*have).any(|h| h == &**w)),
            (Test::AllOf(want), Val::List(have)) => want.iter().all(|w| ctx.list(*have).any(|h| h == &**w)),
            (Test::NoneOf(want), Val::List(have)) => !want.iter().any(|w| ctx.list(*have).any(|h| h == &**w)),
            // A semver or timestamp string that does not parse is present but fails every operator.
            _ => false,
        }
    }
}

fn rollout(slot: u32, consent: Option<u16>, prefix: &Murmur3, threshold: u32, ctx: &Context) -> Tri {
    if !consented(consent, ctx) {
        return Tri::Unknown;
    }
    let mut buf = [0u8; 24];
    let unit = match &ctx.values[slot as usize] {
        Val::Str(s) => Some(ctx.str(*s)),
        Val::Num(n) => number_unit_text(*n, &mut buf),
        _ => None,
    };
    Tri::from_bool(unit.is_some_and(|unit| bucket_from(prefix, unit) < threshold))
}

#[inline]
fn consented(purpose: Option<u16>, ctx: &Context) -> bool {
    match purpose {
        None => true,
        Some(purpose) => ctx.granted.get(purpose as usize).copied().unwrap_or(false),
    }
}

/// The precomputed local (weekday, hour) of a timestamp slot; `None` without a usable zone.
fn local(ctx: &Context, slot: u32) -> Option<(u8, u8)> {
    match &ctx.zone {
        Zone::Known(_) => ctx.local.get(slot as usize).copied().flatten(),
        Zone::Invalid => None,
    }
}
