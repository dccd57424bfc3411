//! The compiled form of conditions: interned attribute slots and a flat node arena.
//!
//! Every condition of a bundle compiles into one [`Program`]; audiences are compiled once and
//! referenced by id, so that evaluation can compute each at most once per request.

use crate::catalog::AttrType;
use crate::time::Instant;
use regex::Regex;
use semver::Version;
// Slot lookups happen per attribute of every prepared context: FxHash, not SipHash (keys are
// catalog paths from the workspace, not attacker-chosen).
use rustc_hash::FxHashMap as HashMap;

/// Index of a node in [`Program::nodes`].
pub type NodeId = u32;

/// Three-valued (Kleene) truth: `Unknown` comes from data the visitor did not consent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tri {
    False,
    True,
    Unknown,
}

impl Tri {
    pub fn negate(self) -> Tri {
        match self {
            Tri::False => Tri::True,
            Tri::True => Tri::False,
            Tri::Unknown => Tri::Unknown,
        }
    }

    /// The decision at the top level: unknown counts as false.
    pub fn decide(self) -> bool {
        self == Tri::True
    }

    pub fn from_bool(b: bool) -> Tri {
        if b {
            Tri::True
        } else {
            Tri::False
        }
    }
}

/// One interned attribute: its position in a prepared context.
#[derive(Debug, Clone)]
pub struct Slot {
    pub path: String,
    pub ty: AttrType,
    /// Index into [`Program::purposes`] of the consent this attribute needs.
    pub consent: Option<u16>,
    /// Whether a day or hour window reads this timestamp, so a context computes its local
    /// weekday and hour (only then: the zone conversion is a good part of preparing a context).
    pub local: bool,
}

/// A compiled test on one attribute's value (the attribute is known present and well typed).
#[derive(Debug, Clone)]
pub enum Test {
    Exists,
    EqStr(Box<str>),
    EqNum(f64),
    EqBool(bool),
    /// Sorted and deduplicated, for binary search.
    InStr(Box<[Box<str>]>),
    InNum(Box<[f64]>),
    /// (contains true, contains false)
    InBool(bool, bool),
    Lt(f64),
    Lte(f64),
    Gt(f64),
    Gte(f64),
    Between(f64, f64),
    Contains(Box<str>),
    StartsWith(Box<str>),
    EndsWith(Box<str>),
    Matches(u32),
    Semver(SemverCmp, Box<Version>),
    Before(Instant),
    After(Instant),
    WithinLast(i64),
    /// Bit 0 = Monday .. bit 6 = Sunday.
    DayOfWeek(u8),
    HourBetween(u8, u8),
    AnyOf(Box<[Box<str>]>),
    AllOf(Box<[Box<str>]>),
    NoneOf(Box<[Box<str>]>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SemverCmp {
    Eq,
    Lt,
    Lte,
    Gt,
    Gte,
}

/// One node of a compiled condition.
#[derive(Debug, Clone)]
pub enum Node {
    /// A value known at compile time (folded `all()`/`any()` and their combinations).
    Const(Tri),
    All {
        first: u32,
        len: u32,
    },
    Any {
        first: u32,
        len: u32,
    },
    Not(NodeId),
    /// `negate` folds a `neq`/`not_in` into the test, which still needs presence and type.
    /// `consent` repeats the slot's purpose so evaluation need not look the slot up.
    Pred {
        slot: u32,
        consent: Option<u16>,
        test: Test,
        negate: bool,
    },
    /// `prefix` has already hashed `salt + ":"`.
    Rollout {
        slot: u32,
        consent: Option<u16>,
        prefix: crate::bucket::Murmur3,
        threshold: u32,
    },
    /// A subcondition used in several places, evaluated at most once per request.
    Memo {
        memo: u32,
        inner: NodeId,
    },
}

/// A compiled audience: its root is a [`Node::Memo`], so it is evaluated once per request.
#[derive(Debug, Clone)]
pub struct CompiledAudience {
    pub name: String,
    pub root: NodeId,
}

/// Compiled conditions sharing one slot table, purpose table and audience table.
#[derive(Debug, Clone)]
pub struct Program {
    pub(crate) nodes: Vec<Node>,
    pub(crate) children: Vec<NodeId>,
    pub(crate) slots: Vec<Slot>,
    pub(crate) slot_index: HashMap<String, u32>,
    pub(crate) purposes: Vec<String>,
    pub(crate) purpose_index: HashMap<String, u16>,
    pub(crate) audiences: Vec<CompiledAudience>,
    pub(crate) audience_index: HashMap<String, u32>,
    pub(crate) regexes: Vec<Regex>,
    /// Number of memo slots a [`crate::eval::Scratch`] needs.
    pub(crate) memo_slots: u32,
    /// Compiled subconditions by canonical JSON, for sharing (common subexpressions).
    pub(crate) shared: HashMap<String, NodeId>,
}

/// Slot of `request.now`: always interned first.
pub const NOW_SLOT: u32 = 0;
/// Slot of `request.timezone`: always interned second.
pub const TIMEZONE_SLOT: u32 = 1;

impl Default for Program {
    fn default() -> Self {
        Program::new()
    }
}

impl Program {
    pub fn new() -> Program {
        let mut program = Program {
            nodes: Vec::new(),
            children: Vec::new(),
            slots: Vec::new(),
            slot_index: HashMap::default(),
            purposes: Vec::new(),
            purpose_index: HashMap::default(),
            audiences: Vec::new(),
            audience_index: HashMap::default(),
            regexes: Vec::new(),
            memo_slots: 0,
            shared: HashMap::default(),
        };
        program.intern(crate::catalog::NOW, AttrType::Timestamp, None);
        program.intern(crate::catalog::TIMEZONE, AttrType::String, None);
        program
    }

    pub(crate) fn intern(&mut self, path: &str, ty: AttrType, consent: Option<&str>) -> u32 {
        if let Some(&slot) = self.slot_index.get(path) {
            return slot;
        }
        let consent = consent.map(|purpose| self.purpose(purpose));
        let slot = self.slots.len() as u32;
        self.slots.push(Slot { path: path.to_owned(), ty, consent, local: false });
        self.slot_index.insert(path.to_owned(), slot);
        slot
    }

    pub(crate) fn purpose(&mut self, name: &str) -> u16 {
        if let Some(&id) = self.purpose_index.get(name) {
            return id;
        }
        let id = self.purposes.len() as u16;
        self.purposes.push(name.to_owned());
        self.purpose_index.insert(name.to_owned(), id);
        id
    }

    pub(crate) fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        (self.nodes.len() - 1) as NodeId
    }

    /// Whether the node at `root` folded to a constant true (a rule that matches everyone).
    pub fn is_always_true(&self, root: NodeId) -> bool {
        matches!(self.nodes.get(root as usize), Some(Node::Const(Tri::True)))
    }

    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    pub fn slot_of(&self, path: &str) -> Option<u32> {
        self.slot_index.get(path).copied()
    }

    pub fn audience_count(&self) -> usize {
        self.audiences.len()
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }
}
