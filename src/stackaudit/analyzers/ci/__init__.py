"""Our own CI and build hardening checks (what zizmor does not cover)."""
