// Package healthcert is the ITHC certificate model: a holder, any number of
// health events (vaccinations, nucleic-acid tests, antibody tests, antigen
// tests, recoveries) and the certificate that binds them to an issuer.
//
// The model has no wire format of its own: package hc1 carries it as the
// native ITHC payload (see docs/format.md) and package dcc maps single events
// to and from the EU DCC payload. Codes for diseases, vaccines, tests and
// results are the code systems of package valueset (SNOMED CT, LOINC, EU DCC
// value sets and ITHC's own extensions); the model stores them as strings.
//
// Start with Certificate and Certificate.Validate, which reports every
// problem of a certificate at once. Package healthcert/icao turns a name in
// native script into the ICAO 9303 machine-readable form (icao.Fill); it is
// a separate package because it carries a Chinese reading dictionary that
// verifiers do not need. NewUVCI and ParseUVCI build and check identifiers.
//
// # Specifications
//
//   - Names: ICAO Doc 9303 part 3 (machine-readable names, section 6);
//     transliteration in package icao.
//   - Identifiers: eHealth Network guidelines on verifiable vaccination
//     certificates, annex 2 (UVCI), with the Luhn mod N checksum.
//   - Dates: ISO 8601 calendar dates, complete or reduced precision
//     (YYYY-MM-DD, YYYY-MM, YYYY), as the EU DCC date of birth.
//
// # JSON form
//
// The canonical JSON form of a Certificate (Certificate.MarshalJSON, read
// back with ParseJSON or Certificate.UnmarshalJSON) is the form the ithc
// command reads and the verifier prints. Keys are snake_case and appear in
// the order below; empty optional values are left out.
//
//	{
//	  "id": "URN:UVCI:01:CN:...",               // Certificate.ID
//	  "issuer": {"country": "CN", "name": "National Health Commission"},
//	  "issued_at": "2026-11-20T08:00:00Z",      // RFC 3339, UTC, whole seconds
//	  "expires_at": "2027-11-20T08:00:00Z",
//	  "holder": {
//	    "name": {"family": "张", "given": "伟", "family_icao": "ZHANG", "given_icao": "WEI"},
//	    "date_of_birth": "1990-05-17",          // Date: "YYYY-MM-DD", "YYYY-MM", "YYYY"
//	    "sex": "M",                             // "F", "M", "X"; absent if unstated
//	    "document": {"type": "P", "number": "E12345678", "issuing_state": "CN"}
//	  },
//	  "events": [ ... ]
//	}
//
// Every event is an object whose "type" is its EventType, followed by the
// common keys "disease", "country" and "centre" and then the keys of its
// kind:
//
//	vaccination        vaccine_type, product, manufacturer, dose_number, total_doses, date
//	nucleic_acid_test  method, name, sample_time, result
//	antibody_test      isotype, method, device, sample_time, result,
//	                   quantity {"value": 0.12, "unit": "{index}", "cut_off": 1}
//	antigen_test       device, name, sample_time, result
//	recovery           first_positive, valid_from, valid_until
//
// Times are RFC 3339 in whole seconds; on output they are in UTC ("Z"), on
// input any offset is accepted and converted to UTC. Dates use the Date
// string form. Reading is strict: the input must be valid UTF-8 of at most
// limits.MaxJSONInput bytes nested at most limits.MaxJSONDepth deep, with no
// unknown or duplicate keys, no unknown event type, no null values and
// nothing after the document. Reading checks the form, not the content: call
// Certificate.Validate for that. An empty "events" array reads as nil.
package healthcert
