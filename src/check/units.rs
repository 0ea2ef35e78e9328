//! Units and dimensions: turns `4.8 TB/s` into 4.8e12 bytes per second with the dimension
//! data/time, and names dimensions in words for diagnostics.

use std::fmt;

use crate::syntax::ast::{Quantity, Unit};

/// Exponents over the base dimensions a `.fleet` file uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dim {
    pub time: i8,
    pub data: i8,
    pub flop: i8,
    pub money: i8,
    pub power: i8,
    pub request: i8,
    pub token: i8,
}

impl Dim {
    pub const NONE: Dim =
        Dim { time: 0, data: 0, flop: 0, money: 0, power: 0, request: 0, token: 0 };
    pub const TIME: Dim = Dim { time: 1, ..Dim::NONE };
    pub const DATA: Dim = Dim { data: 1, ..Dim::NONE };
    pub const BANDWIDTH: Dim = Dim { data: 1, time: -1, ..Dim::NONE };
    pub const COMPUTE: Dim = Dim { flop: 1, time: -1, ..Dim::NONE };
    pub const MONEY: Dim = Dim { money: 1, ..Dim::NONE };
    pub const PRICE: Dim = Dim { money: 1, time: -1, ..Dim::NONE };
    pub const POWER: Dim = Dim { power: 1, ..Dim::NONE };
    pub const REQUEST_RATE: Dim = Dim { request: 1, time: -1, ..Dim::NONE };
    pub const TOKENS: Dim = Dim { token: 1, ..Dim::NONE };
    pub const TOKEN_RATE: Dim = Dim { token: 1, time: -1, ..Dim::NONE };

    pub fn per(self, other: Dim) -> Dim {
        Dim {
            time: self.time - other.time,
            data: self.data - other.data,
            flop: self.flop - other.flop,
            money: self.money - other.money,
            power: self.power - other.power,
            request: self.request - other.request,
            token: self.token - other.token,
        }
    }

    /// The dimension in words, with an example, as diagnostics say it: "a bandwidth such as
    /// `4.8 TB/s`".
    pub fn describe(self) -> String {
        match self.known() {
            Some((name, example)) => format!("{name} such as `{example}`"),
            None => format!("a quantity in {self}"),
        }
    }

    /// The dimension in words without an example: "a bandwidth".
    pub fn noun(self) -> String {
        match self.known() {
            Some((name, _)) => name.to_string(),
            None => format!("a quantity in {self}"),
        }
    }

    fn known(self) -> Option<(&'static str, &'static str)> {
        let table: [(Dim, &str, &str); 11] = [
            (Dim::NONE, "a plain number", "8"),
            (Dim::TIME, "a duration", "40 ms"),
            (Dim::DATA, "a data size", "80 GB"),
            (Dim::BANDWIDTH, "a bandwidth", "4.8 TB/s"),
            (Dim::COMPUTE, "a compute rate", "989 TFLOPS"),
            (Dim::MONEY, "an amount of money", "100 $"),
            (Dim::PRICE, "a price per hour", "3.80 $/h"),
            (Dim::POWER, "a power", "700 W"),
            (Dim::REQUEST_RATE, "a request rate", "40 req/s"),
            (Dim::TOKENS, "a token count", "1500 tokens"),
            (Dim::TOKEN_RATE, "a token rate", "5k tokens/s"),
        ];
        table.iter().find(|(d, _, _)| *d == self).map(|(_, n, e)| (*n, *e))
    }
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = [
            ("s", self.time),
            ("B", self.data),
            ("FLOP", self.flop),
            ("$", self.money),
            ("W", self.power),
            ("req", self.request),
            ("tokens", self.token),
        ];
        let shown: Vec<String> = parts
            .iter()
            .filter(|(_, e)| *e != 0)
            .map(|(u, e)| if *e == 1 { u.to_string() } else { format!("{u}^{e}") })
            .collect();
        if shown.is_empty() {
            write!(f, "no unit")
        } else {
            write!(f, "`{}`", shown.join("·"))
        }
    }
}

/// One unit word: its name, its factor to the base unit, and its dimension.
pub struct UnitAtom {
    pub name: &'static str,
    pub factor: f64,
    pub dim: Dim,
}

const fn atom(name: &'static str, factor: f64, dim: Dim) -> UnitAtom {
    UnitAtom { name, factor, dim }
}

const FLOPS: Dim = Dim::COMPUTE;

/// Every unit word the language knows. Base units: second, byte, FLOP, dollar, watt,
/// request, token. Decimal prefixes are powers of 1000; binary ones (KiB…) of 1024.
pub const UNITS: &[UnitAtom] = &[
    atom("ns", 1e-9, Dim::TIME),
    atom("us", 1e-6, Dim::TIME),
    atom("µs", 1e-6, Dim::TIME),
    atom("ms", 1e-3, Dim::TIME),
    atom("s", 1.0, Dim::TIME),
    atom("min", 60.0, Dim::TIME),
    atom("h", 3600.0, Dim::TIME),
    atom("day", 86400.0, Dim::TIME),
    atom("B", 1.0, Dim::DATA),
    atom("KB", 1e3, Dim::DATA),
    atom("kB", 1e3, Dim::DATA),
    atom("MB", 1e6, Dim::DATA),
    atom("GB", 1e9, Dim::DATA),
    atom("TB", 1e12, Dim::DATA),
    atom("PB", 1e15, Dim::DATA),
    atom("KiB", 1024.0, Dim::DATA),
    atom("MiB", 1048576.0, Dim::DATA),
    atom("GiB", 1073741824.0, Dim::DATA),
    atom("TiB", 1099511627776.0, Dim::DATA),
    atom("b", 0.125, Dim::DATA),
    atom("Kb", 125.0, Dim::DATA),
    atom("kb", 125.0, Dim::DATA),
    atom("Mb", 1.25e5, Dim::DATA),
    atom("Gb", 1.25e8, Dim::DATA),
    atom("Tb", 1.25e11, Dim::DATA),
    atom("FLOPS", 1.0, FLOPS),
    atom("GFLOPS", 1e9, FLOPS),
    atom("TFLOPS", 1e12, FLOPS),
    atom("PFLOPS", 1e15, FLOPS),
    // Integer operations per second: counted like FLOPs for the roofline.
    atom("TOPS", 1e12, FLOPS),
    atom("POPS", 1e15, FLOPS),
    atom("$", 1.0, Dim::MONEY),
    atom("W", 1.0, Dim::POWER),
    atom("kW", 1e3, Dim::POWER),
    atom("MW", 1e6, Dim::POWER),
    atom("req", 1.0, Dim { request: 1, ..Dim::NONE }),
    atom("requests", 1.0, Dim { request: 1, ..Dim::NONE }),
    atom("token", 1.0, Dim::TOKENS),
    atom("tokens", 1.0, Dim::TOKENS),
    atom("%", 0.01, Dim::NONE),
];

/// A duration in seconds as every report shows it: `812.3 ms` below a second, `1.25 s` from
/// one (the plan's text, the simulation's, infeasibility diagnostics, the editor's lens).
pub fn duration_text(seconds: f64) -> String {
    if !seconds.is_finite() {
        "never".to_string()
    } else if seconds >= 1.0 {
        format!("{seconds:.2} s")
    } else {
        format!("{:.1} ms", seconds * 1e3)
    }
}

pub fn lookup(name: &str) -> Option<&'static UnitAtom> {
    UNITS.iter().find(|u| u.name == name)
}

/// A quantity with its unit applied.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measured {
    /// In base units (seconds, bytes, FLOP/s, $, W, …).
    pub value: f64,
    pub dim: Dim,
    /// Written with `%`.
    pub percent: bool,
}

/// Why a unit could not be read: the atom (index in the unit) that is unknown.
pub struct UnknownUnit {
    pub index: usize,
}

/// Applies scale and unit. Unknown unit words are reported by index.
pub fn measure(quantity: &Quantity) -> Result<Measured, UnknownUnit> {
    let scale = quantity.scale.map_or(1.0, |s| s.factor());
    let mut value = quantity.number * scale;
    let mut dim = Dim::NONE;
    let mut percent = false;
    if let Some(unit) = &quantity.unit {
        let (factor, unit_dim) = unit_factor(unit)?;
        value *= factor;
        dim = unit_dim;
        percent = unit.atoms.len() == 1 && unit.atoms[0].text == "%";
    }
    Ok(Measured { value, dim, percent })
}

fn unit_factor(unit: &Unit) -> Result<(f64, Dim), UnknownUnit> {
    let mut factor = 1.0;
    let mut dim = Dim::NONE;
    for (index, word) in unit.atoms.iter().enumerate() {
        let atom = lookup(&word.text).ok_or(UnknownUnit { index })?;
        if index == 0 {
            factor = atom.factor;
            dim = atom.dim;
        } else {
            factor /= atom.factor;
            dim = dim.per(atom.dim);
        }
    }
    Ok((factor, dim))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use crate::syntax::ast::{Entry, Item, Value};

    fn measured(text: &str) -> Measured {
        let src = format!("pool p {{ x = {text} }}");
        let (file, errors) = crate::syntax::parse_file(FileId(0), &src);
        assert!(errors.is_empty());
        let file = file.expect("parsed");
        let Item::Definition(def) = &file.items[0] else { panic!() };
        let Entry::Field(field) = &def.body.entries[0] else { panic!() };
        let Value::Quantity(q) = &field.value else { panic!() };
        measure(q).ok().expect("known unit")
    }

    #[test]
    fn bandwidths_in_bytes_and_bits() {
        let m = measured("4.8 TB/s");
        assert_eq!(m.dim, Dim::BANDWIDTH);
        assert!((m.value - 4.8e12).abs() < 1.0);
        let nic = measured("400 Gb/s");
        assert_eq!(nic.dim, Dim::BANDWIDTH);
        assert!((nic.value - 50e9).abs() < 1.0);
    }

    #[test]
    fn scales_prices_and_percent() {
        assert_eq!(measured("24k tokens").value, 24_000.0);
        assert_eq!(measured("24k tokens").dim, Dim::TOKENS);
        let price = measured("3.60 $/h");
        assert_eq!(price.dim, Dim::PRICE);
        assert!((price.value - 0.001).abs() < 1e-12);
        let pct = measured("85%");
        assert!(pct.percent && (pct.value - 0.85).abs() < 1e-12);
        assert_eq!(measured("3.4M req/day").dim, Dim::REQUEST_RATE);
        assert_eq!(measured("1 KiB").value, 1024.0);
    }

    #[test]
    fn dimensions_read_as_words() {
        assert_eq!(Dim::BANDWIDTH.describe(), "a bandwidth such as `4.8 TB/s`");
        assert_eq!(Dim::TIME.noun(), "a duration");
        assert_eq!(Dim::DATA.per(Dim::TOKENS).noun(), "a quantity in `B·tokens^-1`");
    }
}
