// Package rules holds the acceptance and invalidation rules countries
// publish through the gateway, in the EU DCC business-rules format
// (github.com/eu-digital-green-certificates/dgc-gateway, validation rule
// schema 1.0.0, CertLogic logic evaluated by package rules/certlogic), and
// applies them to certificates.
//
// Start with ParseRule (one rule, strict: the JSON schema, CheckSchema,
// plus the checks docs/rules.md lists), NewSet and Set.Select (per
// Identifier the newest version valid at the moment of the check: the
// destination's acceptance rules and the issuer's invalidation rules), and
// NewEvaluator, whose Evaluator is the verify.RuleEvaluator that
// verify.Options.Rules takes. Data builds the data context of the EU
// engines, {payload, external: {validationClock, valueSets, countryCode,
// exp, iat, issuerCountryCode, kid, region}}, over an EU DCC or the native
// multi-event certificate (docs/rules.md documents both).
//
// CheckUpload applies the EU gateway's constraints on an upload; RunTests
// runs a folder of rules with their tests (the layout of the EU
// business-rules test data); Examples returns the embedded example entry
// policies over native certificates; LoadDir reads a verifier's synced
// rules.json. Every size is bounded by internal/limits/rules.go.
package rules
