//! Small helpers, published before hello-core, which depends on them.

/// Joins words with single spaces.
pub fn join_words(words: &[&str]) -> String {
    words.join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn joins() {
        assert_eq!(super::join_words(&["hello", "veilid"]), "hello veilid");
    }
}
