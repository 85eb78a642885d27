//! PKCE verifiers (RFC 7636): the appendix B example, and generated ones'
//! length, character set and uniqueness.
#![cfg(feature = "sign-in")]

use std::collections::HashSet;

use genesys_presence::sign_in::{new_state, PkceVerifier, GENERATED_VERIFIER_LEN};
use proptest::prelude::*;

#[test]
fn rfc_7636_appendix_b_verifier_gives_its_challenge() {
    let verifier = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
    assert_eq!(
        verifier.challenge(),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

fn unreserved(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

#[test]
fn generated_verifiers_are_long_unreserved_and_unique() {
    let mut seen = HashSet::new();
    for _ in 0..1000 {
        let verifier = PkceVerifier::generate().unwrap();
        let text = verifier.secret();
        assert_eq!(text.len(), GENERATED_VERIFIER_LEN);
        assert!((43..=128).contains(&text.len()));
        assert!(unreserved(text), "{text}");
        assert!(PkceVerifier::new(text).is_ok());
        assert_eq!(verifier.challenge().len(), 43);
        assert!(seen.insert(text.to_owned()), "a verifier came twice");
    }
    let state = new_state().unwrap();
    assert_eq!(state.len(), 32);
    assert!(unreserved(&state));
}

proptest! {
    #[test]
    fn verifiers_are_accepted_exactly_when_43_to_128_unreserved(text in "[A-Za-z0-9._~ /+=-]{0,140}") {
        let valid = (43..=128).contains(&text.len()) && unreserved(&text);
        prop_assert_eq!(PkceVerifier::new(text.as_str()).is_ok(), valid);
    }
}
