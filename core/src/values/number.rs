//! Exact numbers: rational arithmetic with no ceiling, parsing of the literal
//! forms the rule packs use (`3`, `0.4`, `40%`, `1/3`) and explicit rounding.
//!
//! No binary floating point is used anywhere. A number is a reduced fraction
//! held in one of two forms:
//!
//! - **small**: numerator and denominator in machine words (`i64`). The
//!   operations compute in `i128`, where no product of two `i64` can
//!   overflow, skip the gcd when both denominators are one, and fall back to
//!   the big form only when a result does not fit.
//! - **big**: `num-bigint` integers of any size, for the values that outgrow
//!   machine words — a monthly rate raised to the 360th power, say.
//!
//! The form is canonical (a value that fits the small form is always held in
//! it), so equality and hashing compare representations directly. Growth is
//! bounded twice: the evaluator checks every result against the size budget of
//! [`crate::EvalOptions`], and every operation here refuses results beyond
//! [`HARD_MAX_BITS`] whoever calls it.

use num_bigint::{BigInt, Sign};
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

/// The most bits a numerator or denominator may have, whatever the caller's
/// budget: about 315,000 decimal digits. The evaluator's own budget
/// ([`DEFAULT_MAX_DIGITS`]) is far smaller; this backstop keeps code that
/// calls these operations outside an evaluation bounded too.
pub const HARD_MAX_BITS: u64 = 1 << 20;

/// The default size budget of one number in an evaluation, in decimal digits
/// of its numerator or denominator: room for `pow(1 + r/12, 360)` of any
/// monthly rate printed with a few decimals (about 900 digits each side), an
/// annuity formula built on it, and several such values multiplied together.
pub const DEFAULT_MAX_DIGITS: u64 = 5_000;

/// The most decimal digits a number literal (in a pack or in JSON input) may
/// have.
pub const MAX_LITERAL_DIGITS: usize = 1_000;

/// An exact rational number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number(Repr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    /// `n / d`, reduced, `d > 0`.
    Small { n: i64, d: i64 },
    /// A reduced fraction that does not fit the small form.
    Big(Arc<BigRational>),
}

/// Why an arithmetic operation could not produce an exact result.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArithmeticError {
    /// A conversion or scale that leaves the supported range (rounding to
    /// more than 1,000 places, say).
    #[error("arithmetic overflow")]
    Overflow,
    /// The result would be larger than the size limit.
    #[error("the result would have about {digits} digits, more than the limit of {limit}")]
    TooLarge {
        /// Decimal digits of the larger of numerator and denominator, about.
        digits: u64,
        /// The limit, in decimal digits.
        limit: u64,
    },
    /// Division by zero.
    #[error("division by zero")]
    DivisionByZero,
}

/// How to round a number to a given number of decimal places.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RoundingMode {
    /// Towards positive infinity.
    Ceil,
    /// Towards negative infinity.
    Floor,
    /// To the nearest; ties away from zero (the usual school rule, 四舍五入).
    HalfUp,
    /// To the nearest; ties to the even neighbour (banker's rounding).
    HalfEven,
}

impl RoundingMode {
    /// The name used in rule packs and traces.
    pub fn name(self) -> &'static str {
        match self {
            RoundingMode::Ceil => "ceil",
            RoundingMode::Floor => "floor",
            RoundingMode::HalfUp => "half_up",
            RoundingMode::HalfEven => "half_even",
        }
    }
}

/// Bits needed for `digits` decimal digits: ⌈digits · log2 10⌉.
pub fn digits_to_bits(digits: u64) -> u64 {
    digits.saturating_mul(3_321_928).div_ceil(1_000_000)
}

/// Decimal digits of a number of `bits` bits, rounded up.
pub fn bits_to_digits(bits: u64) -> u64 {
    bits.saturating_mul(301_030).div_ceil(1_000_000)
}

/// Builds a number from a reduced `i128` fraction with `d > 0`.
fn from_i128_reduced(n: i128, d: i128) -> Number {
    match (i64::try_from(n), i64::try_from(d)) {
        (Ok(n), Ok(d)) => Number(Repr::Small { n, d }),
        _ => Number(Repr::Big(Arc::new(BigRational::new_raw(BigInt::from(n), BigInt::from(d))))),
    }
}

/// Reduces `n / d` (`d != 0`) computed in `i128`.
fn from_i128(n: i128, d: i128) -> Result<Number, ArithmeticError> {
    if d == 0 {
        return Err(ArithmeticError::DivisionByZero);
    }
    if d == 1 {
        return Ok(from_i128_reduced(n, 1));
    }
    let g = n.gcd(&d);
    // g divides d, and d != 0, so g != 0; `i128::MIN` cannot arise from
    // products of two i64 values, so the divisions and negation are exact.
    let (mut n, mut d) = (n / g, d / g);
    if d < 0 {
        n = -n;
        d = -d;
    }
    Ok(from_i128_reduced(n, d))
}

/// The canonical form of a big fraction, bounded by the hard limit.
fn from_big(r: BigRational) -> Result<Number, ArithmeticError> {
    let bits = r.numer().bits().max(r.denom().bits());
    if bits > HARD_MAX_BITS {
        return Err(ArithmeticError::TooLarge { digits: bits_to_digits(bits), limit: bits_to_digits(HARD_MAX_BITS) });
    }
    if bits <= 64 {
        if let (Some(n), Some(d)) = (r.numer().to_i64(), r.denom().to_i64()) {
            return Ok(Number(Repr::Small { n, d }));
        }
    }
    Ok(Number(Repr::Big(Arc::new(r))))
}

impl Number {
    /// The number zero.
    pub fn zero() -> Self {
        Number(Repr::Small { n: 0, d: 1 })
    }

    /// The number one.
    pub fn one() -> Self {
        Number(Repr::Small { n: 1, d: 1 })
    }

    /// An integer value.
    pub fn from_int(i: i64) -> Self {
        Number(Repr::Small { n: i, d: 1 })
    }

    /// `numer / denom`, reduced.
    ///
    /// # Errors
    /// Division by zero.
    pub fn ratio(numer: i128, denom: i128) -> Result<Self, ArithmeticError> {
        if numer == i128::MIN || denom == i128::MIN {
            return Number::from_big_parts(BigInt::from(numer), BigInt::from(denom));
        }
        from_i128(numer, denom)
    }

    /// `numer / denom` for integers of any size, reduced.
    ///
    /// # Errors
    /// Division by zero, or a value beyond the hard size limit.
    pub fn from_big_parts(numer: BigInt, denom: BigInt) -> Result<Self, ArithmeticError> {
        if denom.is_zero() {
            return Err(ArithmeticError::DivisionByZero);
        }
        from_big(BigRational::new(numer, denom))
    }

    fn to_big(&self) -> BigRational {
        match &self.0 {
            Repr::Small { n, d } => BigRational::new_raw(BigInt::from(*n), BigInt::from(*d)),
            Repr::Big(r) => (**r).clone(),
        }
    }

    /// True when the denominator is one.
    pub fn is_integer(&self) -> bool {
        match &self.0 {
            Repr::Small { d, .. } => *d == 1,
            Repr::Big(r) => r.is_integer(),
        }
    }

    /// The value as `i64`, when it is an integer in range.
    pub fn to_i64(&self) -> Option<i64> {
        match &self.0 {
            Repr::Small { n, d: 1 } => Some(*n),
            // the canonical form puts every i64 integer in the small form
            _ => None,
        }
    }

    /// The numerator of the reduced fraction (negative for negative numbers).
    pub fn numer(&self) -> BigInt {
        match &self.0 {
            Repr::Small { n, .. } => BigInt::from(*n),
            Repr::Big(r) => r.numer().clone(),
        }
    }

    /// The (positive) denominator of the reduced fraction.
    pub fn denom(&self) -> BigInt {
        match &self.0 {
            Repr::Small { d, .. } => BigInt::from(*d),
            Repr::Big(r) => r.denom().clone(),
        }
    }

    /// The numerator and denominator, when both fit `i64`.
    pub fn small_parts(&self) -> Option<(i64, i64)> {
        match &self.0 {
            Repr::Small { n, d } => Some((*n, *d)),
            Repr::Big(_) => None,
        }
    }

    /// Bits of the larger of numerator and denominator: the size the
    /// evaluator's budget bounds.
    pub fn bits(&self) -> u64 {
        match &self.0 {
            Repr::Small { n, d } => u64::from(64 - n.unsigned_abs().leading_zeros().min(d.leading_zeros())),
            Repr::Big(r) => r.numer().bits().max(r.denom().bits()),
        }
    }

    /// Bytes this number holds beyond its inline part (zero for the small
    /// form), for the evaluator's memory budget.
    pub fn heap_bytes(&self) -> u64 {
        match &self.0 {
            Repr::Small { .. } => 0,
            Repr::Big(r) => (r.numer().bits() + r.denom().bits()).div_ceil(8) + 32,
        }
    }

    /// True for zero.
    pub fn is_zero(&self) -> bool {
        matches!(self.0, Repr::Small { n: 0, .. })
    }

    /// True below zero.
    pub fn is_negative(&self) -> bool {
        match &self.0 {
            Repr::Small { n, .. } => *n < 0,
            Repr::Big(r) => r.is_negative(),
        }
    }

    /// Exact addition.
    ///
    /// # Errors
    /// A result beyond the hard size limit.
    pub fn add(&self, other: &Number) -> Result<Number, ArithmeticError> {
        match (&self.0, &other.0) {
            (Repr::Small { n: a, d: 1 }, Repr::Small { n: b, d: 1 }) => Ok(match a.checked_add(*b) {
                Some(s) => Number::from_int(s),
                None => from_i128_reduced(i128::from(*a) + i128::from(*b), 1),
            }),
            (Repr::Small { n: a, d: da }, Repr::Small { n: b, d: db }) => {
                let (a, da, b, db) = (i128::from(*a), i128::from(*da), i128::from(*b), i128::from(*db));
                // |a·db| and |b·da| are below 2^126, so their sum fits i128
                from_i128(a * db + b * da, da * db)
            }
            _ => from_big(self.to_big() + other.to_big()),
        }
    }

    /// Exact subtraction.
    ///
    /// # Errors
    /// A result beyond the hard size limit.
    pub fn sub(&self, other: &Number) -> Result<Number, ArithmeticError> {
        self.add(&other.neg())
    }

    /// Exact multiplication.
    ///
    /// # Errors
    /// A result beyond the hard size limit.
    pub fn mul(&self, other: &Number) -> Result<Number, ArithmeticError> {
        match (&self.0, &other.0) {
            (Repr::Small { n: a, d: 1 }, Repr::Small { n: b, d: 1 }) => Ok(match a.checked_mul(*b) {
                Some(p) => Number::from_int(p),
                None => from_i128_reduced(i128::from(*a) * i128::from(*b), 1),
            }),
            (Repr::Small { n: a, d: da }, Repr::Small { n: b, d: db }) => {
                from_i128(i128::from(*a) * i128::from(*b), i128::from(*da) * i128::from(*db))
            }
            _ => from_big(self.to_big() * other.to_big()),
        }
    }

    /// Exact division.
    ///
    /// # Errors
    /// Division by zero, or a result beyond the hard size limit.
    pub fn div(&self, other: &Number) -> Result<Number, ArithmeticError> {
        if other.is_zero() {
            return Err(ArithmeticError::DivisionByZero);
        }
        match (&self.0, &other.0) {
            (Repr::Small { n: a, d: da }, Repr::Small { n: b, d: db }) => {
                from_i128(i128::from(*a) * i128::from(*db), i128::from(*da) * i128::from(*b))
            }
            _ => from_big(self.to_big() / other.to_big()),
        }
    }

    /// `self` to an integer power, by repeated squaring; `within` is checked
    /// after every multiplication, so a power that grows past a budget stops
    /// as soon as it does.
    ///
    /// # Errors
    /// Division by zero (zero to a negative power), or whatever `within`
    /// returns.
    pub fn pow(
        &self,
        exponent: i64,
        mut within: impl FnMut(&Number) -> Result<(), ArithmeticError>,
    ) -> Result<Number, ArithmeticError> {
        let mut base = if exponent < 0 { Number::one().div(self)? } else { self.clone() };
        let mut e = exponent.unsigned_abs();
        let mut acc = Number::one();
        while e > 0 {
            if e & 1 == 1 {
                acc = acc.mul(&base)?;
                within(&acc)?;
            }
            e >>= 1;
            if e > 0 {
                base = base.mul(&base)?;
                within(&base)?;
            }
        }
        Ok(acc)
    }

    /// Negation (always exact).
    pub fn neg(&self) -> Number {
        match &self.0 {
            Repr::Small { n, d } => match n.checked_neg() {
                Some(m) => Number(Repr::Small { n: m, d: *d }),
                None => from_i128_reduced(-i128::from(*n), i128::from(*d)),
            },
            Repr::Big(r) => {
                let neg = -(**r).clone();
                // -(i64::MAX + 1) is the one big value whose negation is small
                from_big(neg.clone()).unwrap_or(Number(Repr::Big(Arc::new(neg))))
            }
        }
    }

    /// Absolute value.
    pub fn abs(&self) -> Number {
        if self.is_negative() {
            self.neg()
        } else {
            self.clone()
        }
    }

    /// The floor and the remainder: `self = q + r` with `q` an integer and
    /// `0 <= r < 1`, the remainder given as `r_num / denom`.
    fn floor_parts(&self) -> (BigInt, BigInt, BigInt) {
        let n = self.numer();
        let d = self.denom();
        let (q, r) = n.div_mod_floor(&d);
        (q, r, d)
    }

    /// Rounds to `places` decimal places (negative places round to tens,
    /// hundreds, …) with the given mode.
    ///
    /// # Errors
    /// Overflow when more than 1,000 places are asked for.
    pub fn round(&self, places: i64, mode: RoundingMode) -> Result<Number, ArithmeticError> {
        if places.abs() > 1_000 {
            return Err(ArithmeticError::Overflow);
        }
        if self.is_integer() && places >= 0 {
            return Ok(self.clone());
        }
        let scale =
            Number::from_big_parts(num_traits::pow(BigInt::from(10), places.unsigned_abs() as usize), One::one())?;
        let scaled = if places >= 0 { self.mul(&scale)? } else { self.div(&scale)? };
        let (q, r, d) = scaled.floor_parts();
        let up = match mode {
            RoundingMode::Floor => false,
            RoundingMode::Ceil => !r.is_zero(),
            RoundingMode::HalfUp | RoundingMode::HalfEven => {
                let twice: BigInt = &r * 2;
                match twice.cmp(&d) {
                    Ordering::Less => false,
                    Ordering::Greater => true,
                    Ordering::Equal => match mode {
                        // ties away from zero
                        RoundingMode::HalfUp => !scaled.is_negative(),
                        _ => q.is_odd(),
                    },
                }
            }
        };
        let rounded = if up { q + 1 } else { q };
        let rounded = Number::from_big_parts(rounded, One::one())?;
        if places >= 0 {
            rounded.div(&scale)
        } else {
            rounded.mul(&scale)
        }
    }

    /// Parses the literal forms accepted in rule packs and JSON strings:
    /// integers (`568`), decimals (`0.4`, `-2.5`), percentages (`40%`,
    /// `17.2%`) and fractions (`1/3`, `-7/2`). Underscores and ASCII spaces
    /// are not allowed; the text must be the number alone.
    ///
    /// # Errors
    /// A message saying what is wrong with the text.
    pub fn parse(text: &str) -> Result<Number, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("empty number".into());
        }
        if let Some(body) = t.strip_suffix('%') {
            let n = Number::parse_decimal(body)?;
            return n.div(&Number::from_int(100)).map_err(|e| e.to_string());
        }
        if let Some((a, b)) = t.split_once('/') {
            let n = Number::parse_decimal(a)?;
            let d = Number::parse_decimal(b)?;
            return n.div(&d).map_err(|e| e.to_string());
        }
        Number::parse_decimal(t)
    }

    fn parse_decimal(t: &str) -> Result<Number, String> {
        let t = t.trim();
        let (neg, body) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (int_part, frac_part) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(format!("`{}` is not a number", shorten(t)));
        }
        if !int_part.bytes().all(|b| b.is_ascii_digit()) || !frac_part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("`{}` is not a number", shorten(t)));
        }
        let digits = int_part.len() + frac_part.len();
        if digits > MAX_LITERAL_DIGITS {
            return Err(format!("a number of {digits} digits is longer than the limit of {MAX_LITERAL_DIGITS} digits"));
        }
        if digits <= 18 {
            let mut numer: i64 = 0;
            for b in int_part.bytes().chain(frac_part.bytes()) {
                numer = numer * 10 + i64::from(b - b'0');
            }
            let denom = 10i64.pow(frac_part.len() as u32);
            let numer = if neg { -numer } else { numer };
            return Number::ratio(i128::from(numer), i128::from(denom)).map_err(|e| e.to_string());
        }
        let all: String = int_part.chars().chain(frac_part.chars()).collect();
        let mut numer = BigInt::parse_bytes(all.as_bytes(), 10).unwrap_or_default();
        if neg {
            numer = -numer;
        }
        let denom = num_traits::pow(BigInt::from(10), frac_part.len());
        Number::from_big_parts(numer, denom).map_err(|e| e.to_string())
    }

    /// The finite decimal expansion, when the denominator has no prime
    /// factors other than 2 and 5 (so `2/5` is `0.4`, but `1/3` has none).
    pub fn to_decimal_string(&self) -> Option<String> {
        let places = self.decimal_places()?;
        let scaled = if places == 0 {
            self.numer()
        } else {
            let factor = num_traits::pow(BigInt::from(10), places as usize) / self.denom();
            self.numer() * factor
        };
        let neg = scaled.sign() == Sign::Minus;
        let digits = scaled.magnitude().to_string();
        let places = places as usize;
        let s = if places == 0 {
            digits
        } else if digits.len() > places {
            let (i, f) = digits.split_at(digits.len() - places);
            format!("{i}.{f}")
        } else {
            format!("0.{}{}", "0".repeat(places - digits.len()), digits)
        };
        Some(if neg { format!("-{s}") } else { s })
    }

    /// How many decimal places the exact decimal expansion has, when it is
    /// finite (the denominator has no prime factors but 2 and 5).
    pub fn decimal_places(&self) -> Option<u64> {
        match &self.0 {
            Repr::Small { d, .. } => {
                let mut d = *d;
                let twos = u64::from(d.trailing_zeros());
                d >>= twos;
                let mut fives = 0u64;
                while d % 5 == 0 {
                    d /= 5;
                    fives += 1;
                }
                (d == 1).then_some(twos.max(fives))
            }
            Repr::Big(r) => {
                let mut d = r.denom().clone();
                let twos = d.trailing_zeros().unwrap_or(0);
                d >>= twos;
                let five = BigInt::from(5);
                let mut fives = 0u64;
                while (&d % &five).is_zero() {
                    d /= &five;
                    fives += 1;
                }
                d.is_one().then_some(twos.max(fives))
            }
        }
    }
}

fn shorten(t: &str) -> String {
    if t.chars().count() > 40 {
        let cut: String = t.chars().take(40).collect();
        format!("{cut}…")
    } else {
        t.to_string()
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.0, &other.0) {
            (Repr::Small { n: a, d: 1 }, Repr::Small { n: b, d: 1 }) => a.cmp(b),
            (Repr::Small { n: a, d: da }, Repr::Small { n: b, d: db }) => {
                (i128::from(*a) * i128::from(*db)).cmp(&(i128::from(*b) * i128::from(*da)))
            }
            _ => self.to_big().cmp(&other.to_big()),
        }
    }
}

impl Number {
    /// The number rounded half up (四舍五入) to `places` decimal places and
    /// written with exactly that many (`1080.10`), the whole part grouped in
    /// threes by `separator` (`1,080.10`; an empty separator groups nothing).
    ///
    /// # Errors
    /// The rounding's own (too many places).
    pub fn format_fixed(&self, places: u32, separator: &str) -> Result<String, ArithmeticError> {
        let r = self.round(i64::from(places), RoundingMode::HalfUp)?;
        let places = places as usize;
        let scale = num_traits::pow(BigInt::from(10), places);
        let scaled = r.numer() * &scale / r.denom();
        let neg = scaled.sign() == Sign::Minus;
        let digits = scaled.magnitude().to_string();
        let digits =
            if digits.len() <= places { format!("{}{digits}", "0".repeat(places + 1 - digits.len())) } else { digits };
        let (whole, frac) = digits.split_at(digits.len() - places);
        let mut grouped = String::with_capacity(whole.len() * 2);
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push_str(separator);
            }
            grouped.push(c);
        }
        let sign = if neg { "-" } else { "" };
        Ok(if places == 0 { format!("{sign}{grouped}") } else { format!("{sign}{grouped}.{frac}") })
    }
}

impl fmt::Display for Number {
    /// Integers print plainly, finite decimals as decimals (`0.4`), other
    /// values as reduced fractions (`1/3`). The printed form parses back to
    /// the same value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Small { n, d: 1 } => write!(f, "{n}"),
            Repr::Big(r) if r.is_integer() => write!(f, "{}", r.numer()),
            _ => match self.to_decimal_string() {
                Some(s) => f.write_str(&s),
                None => write!(f, "{}/{}", self.numer(), self.denom()),
            },
        }
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn literal_forms() {
        assert_eq!(n("40%"), Number::ratio(2, 5).unwrap_or_else(|_| unreachable!()));
        assert_eq!(n("1/3").to_string(), "1/3");
        assert_eq!(n("0.4").to_string(), "0.4");
        assert_eq!(n("17.2%").to_string(), "0.172");
        assert_eq!(n("-2.50").to_string(), "-2.5");
        assert!(Number::parse("1e3").is_err());
        assert!(Number::parse("1/0").is_err());
        let long = format!("1{}", "0".repeat(400));
        assert_eq!(n(&long).to_string(), long);
        assert!(Number::parse(&"9".repeat(MAX_LITERAL_DIGITS + 1)).is_err());
    }

    #[test]
    fn rounding_modes() {
        let x = n("2.5");
        assert_eq!(x.round(0, RoundingMode::HalfUp).unwrap_or_else(|_| unreachable!()), n("3"));
        assert_eq!(x.round(0, RoundingMode::HalfEven).unwrap_or_else(|_| unreachable!()), n("2"));
        assert_eq!(n("-2.5").round(0, RoundingMode::HalfUp).unwrap_or_else(|_| unreachable!()), n("-3"));
        assert_eq!(n("1/3").round(2, RoundingMode::Ceil).unwrap_or_else(|_| unreachable!()), n("0.34"));
        assert_eq!(n("1/3").round(2, RoundingMode::Floor).unwrap_or_else(|_| unreachable!()), n("0.33"));
        assert_eq!(n("1250").round(-2, RoundingMode::HalfEven).unwrap_or_else(|_| unreachable!()), n("1200"));
    }

    #[test]
    fn small_and_big_forms_are_one_value() {
        let big = Number::from_int(i64::MAX).add(&Number::one()).unwrap_or_else(|_| unreachable!());
        assert!(big.small_parts().is_none());
        let back = big.sub(&Number::one()).unwrap_or_else(|_| unreachable!());
        assert_eq!(back, Number::from_int(i64::MAX));
        assert_eq!(back.small_parts(), Some((i64::MAX, 1)));
        assert_eq!(Number::from_int(i64::MIN).neg().neg(), Number::from_int(i64::MIN));
        assert!(big > Number::from_int(i64::MAX));
    }

    #[test]
    fn bits_are_the_larger_of_numerator_and_denominator() {
        assert_eq!(Number::one().bits(), 1);
        assert_eq!(Number::zero().bits(), 1);
        assert_eq!(n("-255/2").bits(), 8);
        assert_eq!(n("1/1024").bits(), 11);
        assert_eq!(Number::from_int(i64::MIN).bits(), 64);
        let big = n(&format!("1{}", "0".repeat(40)));
        assert_eq!(big.bits(), big.numer().bits());
    }

    #[test]
    fn no_ceiling_below_the_hard_limit() {
        let rate = n("1").add(&n("0.0375").div(&n("12")).unwrap_or_else(|_| unreachable!()));
        let rate = rate.unwrap_or_else(|_| unreachable!());
        let p = rate.pow(360, |_| Ok(())).unwrap_or_else(|e| unreachable!("{e}"));
        // (321/320)^360 exactly: numerator 321^360, denominator 320^360
        assert_eq!(p.numer(), num_traits::pow(BigInt::from(321), 360));
        assert_eq!(p.denom(), num_traits::pow(BigInt::from(320), 360));
        let huge = Number::from_int(2).pow(i64::from(u32::MAX), |_| Ok(()));
        assert!(matches!(huge, Err(ArithmeticError::TooLarge { .. })));
        assert_eq!(n("1").div(&Number::zero()), Err(ArithmeticError::DivisionByZero));
    }
}
