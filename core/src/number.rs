//! Exact numbers: checked rational arithmetic, parsing of the literal forms the
//! rule packs use (`3`, `0.4`, `40%`, `1/3`) and explicit rounding.
//!
//! No binary floating point is used anywhere: every value is a ratio of two
//! `i128`, and every operation is checked, so overflow is an error and never a
//! silent wrap or a panic.

use num_integer::Integer;
use num_rational::Ratio;
use num_traits::{CheckedAdd, CheckedDiv, CheckedMul, CheckedSub, Signed, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt;

/// The largest magnitude a numerator or denominator may reach. Keeping well
/// inside `i128` leaves room for the intermediate products of the checked
/// operations and keeps negation of any stored value safe.
const LIMIT: i128 = 1 << 120;

/// An exact rational number.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Number(Ratio<i128>);

/// Why an arithmetic operation could not produce an exact result.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArithmeticError {
    /// The result does not fit the exact representation.
    #[error("arithmetic overflow")]
    Overflow,
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

fn checked(r: Ratio<i128>) -> Result<Number, ArithmeticError> {
    if r.numer().abs() > LIMIT || r.denom().abs() > LIMIT {
        Err(ArithmeticError::Overflow)
    } else {
        Ok(Number(r))
    }
}

impl Number {
    /// The number zero.
    pub fn zero() -> Self {
        Number(Ratio::from_integer(0))
    }

    /// An integer value.
    pub fn from_int(i: i64) -> Self {
        Number(Ratio::from_integer(i128::from(i)))
    }

    /// `numer / denom`, reduced.
    ///
    /// # Errors
    /// Division by zero, or a magnitude beyond the exact range.
    pub fn ratio(numer: i128, denom: i128) -> Result<Self, ArithmeticError> {
        if denom == 0 {
            return Err(ArithmeticError::DivisionByZero);
        }
        if numer.abs() > LIMIT || denom.abs() > LIMIT {
            return Err(ArithmeticError::Overflow);
        }
        checked(Ratio::new(numer, denom))
    }

    /// True when the denominator is one.
    pub fn is_integer(&self) -> bool {
        self.0.is_integer()
    }

    /// The value as `i64`, when it is an integer in range.
    pub fn to_i64(&self) -> Option<i64> {
        if self.is_integer() {
            self.0.numer().to_i64()
        } else {
            None
        }
    }

    /// The numerator of the reduced fraction.
    pub fn numer(&self) -> i128 {
        *self.0.numer()
    }

    /// The (positive) denominator of the reduced fraction.
    pub fn denom(&self) -> i128 {
        *self.0.denom()
    }

    /// True for zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    /// Checked addition.
    ///
    /// # Errors
    /// Overflow.
    pub fn add(&self, other: &Number) -> Result<Number, ArithmeticError> {
        self.0.checked_add(&other.0).ok_or(ArithmeticError::Overflow).and_then(checked)
    }

    /// Checked subtraction.
    ///
    /// # Errors
    /// Overflow.
    pub fn sub(&self, other: &Number) -> Result<Number, ArithmeticError> {
        self.0.checked_sub(&other.0).ok_or(ArithmeticError::Overflow).and_then(checked)
    }

    /// Checked multiplication.
    ///
    /// # Errors
    /// Overflow.
    pub fn mul(&self, other: &Number) -> Result<Number, ArithmeticError> {
        self.0.checked_mul(&other.0).ok_or(ArithmeticError::Overflow).and_then(checked)
    }

    /// Checked division.
    ///
    /// # Errors
    /// Division by zero or overflow.
    pub fn div(&self, other: &Number) -> Result<Number, ArithmeticError> {
        if other.is_zero() {
            return Err(ArithmeticError::DivisionByZero);
        }
        self.0.checked_div(&other.0).ok_or(ArithmeticError::Overflow).and_then(checked)
    }

    /// Negation (always exact: stored magnitudes stay far inside `i128`).
    pub fn neg(&self) -> Number {
        Number(-self.0)
    }

    /// Absolute value.
    pub fn abs(&self) -> Number {
        Number(self.0.abs())
    }

    /// Rounds to `places` decimal places (negative places round to tens,
    /// hundreds, …) with the given mode.
    ///
    /// # Errors
    /// Overflow when the scale factor `10^places` leaves the exact range.
    pub fn round(&self, places: i64, mode: RoundingMode) -> Result<Number, ArithmeticError> {
        if places.abs() > 30 {
            return Err(ArithmeticError::Overflow);
        }
        let ten = Number::from_int(10);
        let mut scale = Number::from_int(1);
        for _ in 0..places.abs() {
            scale = scale.mul(&ten)?;
        }
        let scaled = if places >= 0 { self.mul(&scale)? } else { self.div(&scale)? };
        let n = scaled.numer();
        let d = scaled.denom();
        let (q, r) = n.div_mod_floor(&d); // q = floor, 0 <= r < d
        let rounded = match mode {
            RoundingMode::Floor => q,
            RoundingMode::Ceil => {
                if r == 0 {
                    q
                } else {
                    q + 1
                }
            }
            RoundingMode::HalfUp | RoundingMode::HalfEven => {
                // compare the remainder with one half: 2r vs d
                let twice = r.checked_mul(2).ok_or(ArithmeticError::Overflow)?;
                match twice.cmp(&d) {
                    Ordering::Less => q,
                    Ordering::Greater => q + 1,
                    Ordering::Equal => match mode {
                        // ties away from zero
                        RoundingMode::HalfUp => {
                            if n.is_negative() {
                                q
                            } else {
                                q + 1
                            }
                        }
                        _ => {
                            if q.is_even() {
                                q
                            } else {
                                q + 1
                            }
                        }
                    },
                }
            }
        };
        let rounded = Number(Ratio::from_integer(rounded));
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
            return Err(format!("`{t}` is not a number"));
        }
        if !int_part.bytes().all(|b| b.is_ascii_digit()) || !frac_part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("`{t}` is not a number"));
        }
        if int_part.len() + frac_part.len() > 36 {
            return Err(format!("`{t}` has too many digits for an exact number"));
        }
        let mut numer: i128 = 0;
        for b in int_part.bytes().chain(frac_part.bytes()) {
            numer = numer * 10 + i128::from(b - b'0');
        }
        let mut denom: i128 = 1;
        for _ in 0..frac_part.len() {
            denom *= 10;
        }
        if neg {
            numer = -numer;
        }
        Number::ratio(numer, denom).map_err(|e| e.to_string())
    }

    /// The finite decimal expansion, when the denominator has no prime
    /// factors other than 2 and 5 (so `2/5` is `0.4`, but `1/3` has none).
    pub fn to_decimal_string(&self) -> Option<String> {
        let mut d = self.denom();
        let mut twos = 0u32;
        let mut fives = 0u32;
        while d % 2 == 0 {
            d /= 2;
            twos += 1;
        }
        while d % 5 == 0 {
            d /= 5;
            fives += 1;
        }
        if d != 1 {
            return None;
        }
        let places = twos.max(fives);
        if places > 36 {
            return None;
        }
        // scale numerator to 10^places / denom
        let factor = 10i128.checked_pow(places)?.checked_div(self.denom())?;
        let scaled = self.numer().checked_mul(factor)?;
        let neg = scaled < 0;
        let digits = scaled.unsigned_abs().to_string();
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
}

impl fmt::Display for Number {
    /// Integers print plainly, finite decimals as decimals (`0.4`), other
    /// values as reduced fractions (`1/3`). The printed form parses back to
    /// the same value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_integer() {
            write!(f, "{}", self.numer())
        } else if let Some(s) = self.to_decimal_string() {
            f.write_str(&s)
        } else {
            write!(f, "{}/{}", self.numer(), self.denom())
        }
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
    }

    #[test]
    fn rounding_modes() {
        let x = n("2.5");
        assert_eq!(x.round(0, RoundingMode::HalfUp).unwrap_or_else(|_| unreachable!()), n("3"));
        assert_eq!(x.round(0, RoundingMode::HalfEven).unwrap_or_else(|_| unreachable!()), n("2"));
        assert_eq!(n("-2.5").round(0, RoundingMode::HalfUp).unwrap_or_else(|_| unreachable!()), n("-3"));
        assert_eq!(n("1/3").round(2, RoundingMode::Ceil).unwrap_or_else(|_| unreachable!()), n("0.34"));
        assert_eq!(n("1/3").round(2, RoundingMode::Floor).unwrap_or_else(|_| unreachable!()), n("0.33"));
    }

    #[test]
    fn overflow_is_an_error() {
        let big = Number::ratio(1 << 119, 1).unwrap_or_else(|_| unreachable!());
        assert_eq!(big.mul(&big), Err(ArithmeticError::Overflow));
        assert_eq!(n("1").div(&Number::zero()), Err(ArithmeticError::DivisionByZero));
    }
}
