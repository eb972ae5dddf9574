// Package convert bridges a native ITHC certificate (package healthcert)
// to the formats other countries read: an EU DCC per event (HC1, package
// dcc and hc1), a SMART Health Card (package shc), ICAO VDS-NC seals
// (package vdsnc), and the native JSON form. The reverse direction, a
// verified foreign code mapped into the native model, is package verify's
// (Result.Certificate).
//
// Start with Convert; IssuerJWKS writes the key set a SMART Health Card
// issuer publishes for its signing key. docs/formats.md has the tables.
//
// # Decisions
//
//   - Nothing is invented. An event whose kind or value has no form in
//     the target format is left out and listed in Result.Skipped with the
//     reason: a serology (antibody) test has no DCC form, and no ICAO
//     vaccination form (it goes to an icao.test seal); a recovery has no
//     SMART Health Card and no ICAO seal; an inconclusive result has no
//     DCC or seal form; a DCC and an ICAO test seal are for COVID-19 only.
//     Anything else a format refuses (a missing value it requires, a code
//     outside its code systems) is an error naming the event, because the
//     input, not the format, is wrong: a conversion never drops an event
//     quietly.
//   - One output per unit each format defines: a DCC per event (a DCC
//     holds one); one SMART Health Card holding every event it can carry;
//     one icao.vacc seal for all vaccinations and one icao.test seal per
//     test (a seal holds one test, and never tests and vaccinations).
//   - What an output does not carry of its events and holder is found by
//     reading the output back into the native model (the mapping a
//     verifier applies) and comparing, field by field; Output.Notes lists
//     it. So the notes cannot drift from the mappings of packages dcc, shc
//     and vdsnc.
//   - The certificate is completed as "ithc issue" completes it, then
//     validated (healthcert.Certificate.Validate): the issuer country from
//     the signer certificate when absent, issued_at (Options.Now), expires_at
//     (Options.ValidFor), an identifier (a UVCI) and the ICAO 9303 forms of
//     the names. Every output of one conversion shares the certificate's
//     identifier: they are forms of the one certificate, and revoking its
//     identifier revokes them all.
//   - Signing is through crypto.Signer, so an HSM key works as a file key.
//     A DCC needs a document signer valid at issued_at and expires_at; a
//     SMART Health Card a P-256 key and the issuer URL; a seal a signer
//     certificate of the issuing state that the VDS-NC profile allows
//     (package vdsnc checks it).
package convert
