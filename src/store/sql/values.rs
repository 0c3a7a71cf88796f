//! Multi-row `VALUES` of bounded shapes, for writes that send many rows a statement where a
//! statement costs no round trip but its own work (SQLite binds no arrays).

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
    fn rows_are_groups_of_marks() {
        assert_eq!(rows(2, 3), "(?, ?, ?), (?, ?, ?)");
        assert_eq!(marks(3), "?, ?, ?");
    }
}
