//! A page decided all at once, without branching on the visitor's answers.
//!
//! Walking each slot's rules until one matches branches on every answer, and with varied
//! visitors those branches are guessed wrong often; measured, that walk was most of a page's
//! cost. A [`PagePlan`] instead lists every test and combination the page's rules reach, once
//! each (shared subconditions and audiences included). Deciding runs three uniform passes for
//! every visitor, the same steps in the same order: the number comparisons (the most common
//! test) in line, the other tests, then the combinations, children before parents. Each result
//! is two bits, "definitely true" and "possibly true" (true is both, false neither, unknown
//! only the second). Kleene logic is then one bitwise operation: `all` is the AND of its
//! children's bits and `any` their OR; `not` swaps the two bits and inverts them. Each slot
//! then takes its first true rule from a mask. The tree evaluator ([`crate::eval`]) stays for traces, experiments and single rules,
//! and the differential tests hold the two to the same decisions.
//!
//! One kind of test costs far more than the rest: a rollout hashes the visitor's unit. Rollouts
//! are left out of the first passes (read as unknown) and run after only where a combination
//! they feed is still undecided: `all(from_search, rollout)` needs no
//! hash for a visitor who did not come from a search. Kleene logic makes that exact: a result
//! decided with a child unknown is the same whatever that child turns out to be. The
//! combinations that read such a test are then run again, children first.

use crate::context::{Context, Val};
use crate::program::{Node, NodeId, Program, Test, Tri};
use rustc_hash::FxHashMap as HashMap;

/// The result bits of one step: "definitely true" (bit 0) and "possibly true" (bit 1).
const TRUE: u8 = 0b11;
const FALSE: u8 = 0b00;
const UNKNOWN: u8 = 0b10;
/// The "definitely true" bit.
const DEFINITELY: u8 = 0b01;

/// The outcome of a slot where no rule matched.
pub const BASELINE: u16 = u16::MAX;

#[derive(Debug, Clone, Copy)]
enum NumberCmp {
    Eq(f64),
    Lt(f64),
    Lte(f64),
    Gt(f64),
    Gte(f64),
    Between(f64, f64),
}

impl NumberCmp {
    fn of(test: &Test) -> Option<NumberCmp> {
        Some(match *test {
            Test::EqNum(x) => NumberCmp::Eq(x),
            Test::Lt(x) => NumberCmp::Lt(x),
            Test::Lte(x) => NumberCmp::Lte(x),
            Test::Gt(x) => NumberCmp::Gt(x),
            Test::Gte(x) => NumberCmp::Gte(x),
            Test::Between(lo, hi) => NumberCmp::Between(lo, hi),
            _ => return None,
        })
    }

    #[inline]
    fn holds(self, n: f64) -> bool {
        match self {
            NumberCmp::Eq(x) => n == x,
            NumberCmp::Lt(x) => n < x,
            NumberCmp::Lte(x) => n <= x,
            NumberCmp::Gt(x) => n > x,
            NumberCmp::Gte(x) => n >= x,
            NumberCmp::Between(lo, hi) => lo <= n && n <= hi,
        }
    }
}

/// A comparison of a number attribute, evaluated in line.
#[derive(Debug, Clone, Copy)]
struct NumberTest {
    out: u32,
    slot: u32,
    consent: Option<u16>,
    cmp: NumberCmp,
    negate: bool,
}

/// `all` or `any` of three results, or `not` of one, without a loop or a branch: fewer children
/// are padded with the neutral result ([`NEUTRAL_ALL`], [`NEUTRAL_ANY`]) and more are chained.
#[derive(Debug, Clone, Copy)]
struct Combine {
    out: u32,
    kids: [u32; 3],
    /// All ones for `all`, zero for `any`.
    all: u8,
    /// All ones to negate the result, zero to keep it.
    negate: u8,
}

/// A rollout: its result, its node, and where its parents are listed (`always` when a rule
/// reads it directly, so no parent can decide without it).
#[derive(Debug, Clone, Copy)]
struct Costly {
    out: u32,
    node: NodeId,
    parents: (u32, u32),
    always: bool,
}

/// Results every run holds: true (neutral in `all`) and false (neutral in `any`).
const NEUTRAL_ALL: u32 = 0;
const NEUTRAL_ANY: u32 = 1;

/// Every step a page's rules need, and where each slot's rules find their result.
#[derive(Debug, Clone, Default)]
pub struct PagePlan {
    /// Results a run writes: one per distinct test and combination.
    results: u32,
    numbers: Vec<NumberTest>,
    /// Other tests, rollouts and constants: (result, node), evaluated by the program.
    leaves: Vec<(u32, NodeId)>,
    /// In dependency order: children before parents.
    combines: Vec<Combine>,
    /// Rollouts, run only where they can still change a result.
    costly: Vec<Costly>,
    /// The combinations each rollout feeds: `costly_parents[costly[i].parents]`.
    costly_parents: Vec<u32>,
    /// Indices into `combines` of those reading a rollout, directly or not, in order.
    rerun: Vec<u32>,
    /// Per slot, its rules' result indices in priority order: `slot_rules[slots[i]]`.
    slots: Vec<(u32, u32)>,
    slot_rules: Vec<u32>,
    /// Per slot, what each rule shows (`outcomes[slots[i].0 + i + rule]`), then [`BASELINE`]
    /// for "no rule matched", so the answer is one lookup and not a branch.
    outcomes: Vec<u16>,
}

impl PagePlan {
    /// Plans the slots of a page, each given as its rules in priority order: (root, what the
    /// rule shows, below [`BASELINE`]).
    pub fn new<'a>(program: &Program, slots: impl IntoIterator<Item = &'a [(NodeId, u16)]>) -> PagePlan {
        let mut builder = Builder {
            program,
            plan: PagePlan { results: 2, ..PagePlan::default() },
            at: HashMap::default(),
            costly_at: HashMap::default(),
            parents: Vec::new(),
        };
        for rules in slots {
            let first = builder.plan.slot_rules.len() as u32;
            for &(root, outcome) in rules {
                let result = builder.result(root);
                if let Some(&i) = builder.costly_at.get(&result) {
                    builder.plan.costly[i].always = true;
                }
                builder.plan.slot_rules.push(result);
                builder.plan.outcomes.push(outcome);
            }
            builder.plan.outcomes.push(BASELINE);
            builder.plan.slots.push((first, rules.len() as u32));
        }
        builder.finish()
    }

    /// One combination's result from its children's bits.
    #[inline]
    fn combined(c: &Combine, bits: &[u8]) -> u8 {
        let [x, y, z] = c.kids.map(|kid| bits.get(kid as usize).copied().unwrap_or(UNKNOWN));
        // `all`: definitely true when every child is, possibly true when every child may be;
        // `any`: when one is.
        let v = (x & y & z & c.all) | ((x | y | z) & !c.all);
        // `not`: definitely true where the child is not possibly true, and the reverse.
        let negated = (((v >> 1) | (v << 1)) & TRUE) ^ TRUE;
        v ^ ((v ^ negated) & c.negate)
    }

    /// Runs every step for `ctx` into `bits` (grown once, then reused without allocating).
    pub fn run(&self, program: &Program, ctx: &Context, bits: &mut Vec<u8>) {
        bits.clear();
        // Rollouts are read as unknown until they run.
        bits.resize(self.results as usize, UNKNOWN);
        set(bits, NEUTRAL_ALL, TRUE);
        set(bits, NEUTRAL_ANY, FALSE);
        for n in &self.numbers {
            // As the tree's `pred`: no consent is unknown, absent is false, and a value of
            // another type fails the test before `negate`.
            let consented = n.consent.is_none_or(|purpose| ctx.granted.get(purpose as usize).copied().unwrap_or(false));
            let value = match ctx.values.get(n.slot as usize) {
                Some(Val::Num(x)) => bits_of(Tri::from_bool(n.cmp.holds(*x) != n.negate)),
                Some(Val::Missing) | None => FALSE,
                Some(_) => bits_of(Tri::from_bool(n.negate)),
            };
            set(bits, n.out, if consented { value } else { UNKNOWN });
        }
        for &(out, node) in &self.leaves {
            set(bits, out, bits_of(program.eval_leaf(node, ctx)));
        }
        for c in &self.combines {
            let v = Self::combined(c, bits);
            set(bits, c.out, v);
        }
        if self.costly.is_empty() {
            return;
        }
        // Rollouts, where a combination they feed is still undecided without them.
        let mut ran = false;
        for c in &self.costly {
            let (first, len) = c.parents;
            let parents = self.costly_parents.get(first as usize..(first + len) as usize).unwrap_or_default();
            if c.always || parents.iter().any(|&p| bits.get(p as usize).is_none_or(|&v| v == UNKNOWN)) {
                set(bits, c.out, bits_of(program.eval_leaf(c.node, ctx)));
                ran = true;
            }
        }
        if ran {
            for &i in &self.rerun {
                if let Some(c) = self.combines.get(i as usize) {
                    let v = Self::combined(c, bits);
                    set(bits, c.out, v);
                }
            }
        }
    }

    /// What slot `slot` shows given `bits` (from [`PagePlan::run`]): the outcome of its first
    /// definitely true rule, or [`BASELINE`].
    #[inline]
    pub fn outcome(&self, slot: usize, bits: &[u8]) -> u16 {
        let Some(&(first, len)) = self.slots.get(slot) else { return BASELINE };
        let rules = self.slot_rules.get(first as usize..(first + len) as usize).unwrap_or_default();
        // Up to 64 rules without a branch on the answers; more are rare and simply walked.
        let mut mask = 0u64;
        for (i, &result) in rules.iter().take(64).enumerate() {
            mask |= u64::from(bits.get(result as usize).copied().unwrap_or(FALSE) & DEFINITELY) << i;
        }
        let position = if len <= 64 {
            (mask.trailing_zeros() as usize).min(len as usize)
        } else if mask != 0 {
            mask.trailing_zeros() as usize
        } else {
            64 + rules.iter().skip(64).take_while(|&&result| bits.get(result as usize).is_none_or(|v| v & DEFINITELY == 0)).count()
        };
        // Slot `slot`'s outcomes start after the earlier slots' rules and baselines.
        self.outcomes.get(first as usize + slot + position).copied().unwrap_or(BASELINE)
    }

    /// Results per visitor (distinct tests and combinations), for benchmarks and reports.
    pub fn len(&self) -> usize {
        self.results as usize
    }

    pub fn is_empty(&self) -> bool {
        self.results == 0
    }
}

#[inline]
fn set(bits: &mut [u8], at: u32, value: u8) {
    if let Some(place) = bits.get_mut(at as usize) {
        *place = value;
    }
}

#[inline]
fn bits_of(t: Tri) -> u8 {
    match t {
        Tri::True => TRUE,
        Tri::False => FALSE,
        Tri::Unknown => UNKNOWN,
    }
}

struct Builder<'p> {
    program: &'p Program,
    plan: PagePlan,
    /// The result of each node already planned (a memoized node shares its inner node's).
    at: HashMap<NodeId, u32>,
    /// Result -> its index in `plan.costly`.
    costly_at: HashMap<u32, usize>,
    /// (costly result, a combination reading it).
    parents: Vec<(u32, u32)>,
}

impl Builder<'_> {
    /// The result index of `node`, planning it (children first) when new. Depth is bounded by
    /// the compiler's limits on nesting and audience chains.
    fn result(&mut self, node: NodeId) -> u32 {
        if let Some(&result) = self.at.get(&node) {
            return result;
        }
        let result = match self.program.nodes.get(node as usize) {
            Some(Node::Memo { inner, .. }) => self.result(*inner),
            Some(Node::Not(inner)) => {
                let inner = self.result(*inner);
                self.combine(&[inner], true, true)
            }
            Some(Node::All { first, len } | Node::Any { first, len }) => {
                let all = matches!(self.program.nodes.get(node as usize), Some(Node::All { .. }));
                let children: Vec<NodeId> =
                    self.program.children.get(*first as usize..(*first + *len) as usize).unwrap_or_default().to_vec();
                let kids: Vec<u32> = children.into_iter().map(|kid| self.result(kid)).collect();
                self.combine(&kids, all, false)
            }
            Some(Node::Pred { slot, consent, test, negate }) => {
                let out = self.next();
                match NumberCmp::of(test) {
                    Some(cmp) => self.plan.numbers.push(NumberTest { out, slot: *slot, consent: *consent, cmp, negate: *negate }),
                    None => self.plan.leaves.push((out, node)),
                }
                out
            }
            Some(Node::Rollout { .. }) => {
                let out = self.next();
                self.costly(out, node);
                out
            }
            _ => {
                let out = self.next();
                self.plan.leaves.push((out, node));
                out
            }
        };
        self.at.insert(node, result);
        result
    }

    /// Combines `kids` three at a time (`all(a, b, c, d, e)` is `all(all(a, b, c), d, e)`);
    /// only the last combination negates.
    fn combine(&mut self, kids: &[u32], all: bool, negate: bool) -> u32 {
        let neutral = if all { NEUTRAL_ALL } else { NEUTRAL_ANY };
        let mask = |on: bool| if on { u8::MAX } else { 0 };
        let (mut taken, mut carried) = (0, None);
        loop {
            let mut three = [neutral; 3];
            let mut filled = 0;
            if let Some(r) = carried {
                three[0] = r;
                filled = 1;
            }
            while filled < 3 && taken < kids.len() {
                three[filled] = kids[taken];
                filled += 1;
                taken += 1;
            }
            let last = taken >= kids.len();
            let out = self.next();
            for kid in three {
                if self.costly_at.contains_key(&kid) {
                    self.parents.push((kid, out));
                }
            }
            self.plan.combines.push(Combine { out, kids: three, all: mask(all), negate: mask(negate && last) });
            if last {
                return out;
            }
            carried = Some(out);
        }
    }

    fn costly(&mut self, out: u32, node: NodeId) {
        self.costly_at.insert(out, self.plan.costly.len());
        self.plan.costly.push(Costly { out, node, parents: (0, 0), always: false });
    }

    /// Lists each costly test's parents, and the combinations to run again after them.
    fn finish(mut self) -> PagePlan {
        self.parents.sort_unstable();
        let plan = &mut self.plan;
        for c in &mut plan.costly {
            let first = plan.costly_parents.len() as u32;
            plan.costly_parents.extend(self.parents.iter().filter(|(kid, _)| *kid == c.out).map(|(_, parent)| *parent));
            c.parents = (first, plan.costly_parents.len() as u32 - first);
        }
        let mut tainted: rustc_hash::FxHashSet<u32> = plan.costly.iter().map(|c| c.out).collect();
        for (i, c) in plan.combines.iter().enumerate() {
            if c.kids.iter().any(|kid| tainted.contains(kid)) {
                tainted.insert(c.out);
                plan.rerun.push(i as u32);
            }
        }
        self.plan
    }

    fn next(&mut self) -> u32 {
        self.plan.results += 1;
        self.plan.results - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kleene's `all` and `any`, written out: false (true) decides, else unknown wins.
    fn kleene(all: bool, values: [Tri; 3]) -> Tri {
        let (decider, other) = if all { (Tri::False, Tri::True) } else { (Tri::True, Tri::False) };
        if values.contains(&decider) {
            decider
        } else if values.contains(&Tri::Unknown) {
            Tri::Unknown
        } else {
            other
        }
    }

    #[test]
    fn a_combination_of_result_bits_is_kleene_logic_for_every_child_value() {
        let tris = [Tri::True, Tri::False, Tri::Unknown];
        for all in [true, false] {
            for negate in [true, false] {
                for x in tris {
                    for y in tris {
                        for z in tris {
                            let bits = [bits_of(x), bits_of(y), bits_of(z)];
                            let c = Combine {
                                out: 3,
                                kids: [0, 1, 2],
                                all: if all { u8::MAX } else { 0 },
                                negate: if negate { u8::MAX } else { 0 },
                            };
                            let want = kleene(all, [x, y, z]);
                            let want = if negate { want.negate() } else { want };
                            assert_eq!(PagePlan::combined(&c, &bits), bits_of(want), "all={all} negate={negate} of {x:?} {y:?} {z:?}");
                        }
                    }
                }
            }
        }
    }
}
