//! The greeting, built from hello-tools.

pub fn greeting() -> String {
    hello_tools::join_words(&["hello", "from", "veilid"])
}
