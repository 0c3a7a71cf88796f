//! Multi-row `VALUES` of bounded shapes, for writes that send many rows a statement where a
//! statement costs no round trip but its own work (SQLite binds no arrays).

use std::sync::OnceLock;

/// Rows of the largest statement; smaller runs take halves of it, so a run of any length is
/// written by statements of at most eight shapes, each kept prepared.
const PIECE: usize = 128;

/// `0..len` cut into ranges of [`PIECE`] and then of halves of it.
pub(crate) fn pieces(len: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut size) = (0, PIECE);
    while start < len {
        while size > len - start {
            size /= 2;
        }
        out.push(start..start + size);
        start += size;
    }
    out
}

/// `n` comma-separated `?`s.
pub(crate) fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// `rows` parenthesised groups of `columns` `?`s, for a multi-row `VALUES`.
pub(crate) fn rows(rows: usize, columns: usize) -> String {
    let row = format!("({})", marks(columns));
    vec![row; rows].join(", ")
}

/// A column of [`numbered_rows`].
#[derive(Clone, Copy)]
pub(crate) enum Column {
    /// The row's `n`th parameter of its own.
    Own(usize),
    /// The `n`th parameter that every row shares.
    Shared(usize),
    /// Text of SQL, the same in every row.
    Sql(&'static str),
}

/// `rows` parenthesised groups of `columns` for a multi-row `VALUES`, numbered: `?1`… are
/// the `shared` parameters, bound once for all rows, then each row's `own` in turn. A value
/// that many rows or columns write is so bound once, which costs the one writer less than
/// binding it each time.
pub(crate) fn numbered_rows(rows: usize, shared: usize, own: usize, columns: &[Column]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(rows * columns.len() * 7);
    for row in 0..rows {
        out.push_str(if row == 0 { "(" } else { ", (" });
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            // Writing to a String cannot fail.
            let _ = match *column {
                Column::Own(n) => write!(out, "?{}", shared + row * own + n + 1),
                Column::Shared(n) => write!(out, "?{}", n + 1),
                Column::Sql(sql) => out.write_str(sql),
            };
        }
        out.push(')');
    }
    out
}

/// A multi-row statement's text for each size of piece [`pieces`] cuts, made on its first
/// use and kept: a piece's text is long, and making it per chunk cost more than binding.
pub(crate) struct Shapes([OnceLock<String>; SHAPES]);

const SHAPES: usize = PIECE.trailing_zeros() as usize + 1;

impl Shapes {
    pub(crate) const fn new() -> Self {
        Self([const { OnceLock::new() }; SHAPES])
    }

    /// The text for a piece of `rows` rows (a power of two up to [`PIECE`]), made by `make`.
    pub(crate) fn of(&self, rows: usize, make: impl FnOnce(usize) -> String) -> &str {
        // Another size would be handed a statement of the wrong shape.
        assert!(
            rows.is_power_of_two() && rows <= PIECE,
            "a piece of {rows} rows"
        );
        self.0[rows.trailing_zeros() as usize].get_or_init(|| make(rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_cover_every_row_once_in_few_shapes() {
        for len in [0, 1, 2, 3, 127, 128, 129, 500, 1000, 1001] {
            let got = pieces(len);
            let mut next = 0;
            for piece in &got {
                assert_eq!(piece.start, next);
                assert!(piece.len().is_power_of_two() && piece.len() <= PIECE);
                next = piece.end;
            }
            assert_eq!(next, len);
        }
        assert_eq!(pieces(500).len(), 3 + 4); // 128 × 3, then 64, 32, 16, 4
    }

    #[test]
    fn numbered_rows_share_the_shared_and_number_each_rows_own() {
        use Column::*;
        let columns = [Own(0), Shared(0), Own(1), Sql("NULL"), Own(0)];
        assert_eq!(
            numbered_rows(2, 1, 2, &columns),
            "(?2, ?1, ?3, NULL, ?2), (?4, ?1, ?5, NULL, ?4)"
        );
    }

    #[test]
    fn rows_are_groups_of_marks() {
        assert_eq!(rows(2, 3), "(?, ?, ?), (?, ?, ?)");
        assert_eq!(marks(3), "?, ?, ?");
    }
}
