//! IAM policy documents, evaluated by cognate: parsing (with IAM's
//! `MalformedPolicyDocument` refusals), wildcards, policy variables and
//! condition operators, and the decision (explicit Deny, then Allow, else
//! an implicit deny). Every door that checks vended credentials asks here.
