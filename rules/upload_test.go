package rules

import (
	"errors"
	"testing"
	"time"
)

func TestCheckUpload(t *testing.T) {
	now := mustTime(t, "2026-06-01T12:00:00Z")
	ahead := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	valid := map[string]any{"ValidFrom": ahead(72 * time.Hour)}
	stored := []*Rule{mustRule(t, map[string]any{"Version": "1.2.0", "ValidFrom": ahead(60 * time.Hour)})}
	with := func(changes map[string]any) map[string]any {
		m := map[string]any{}
		for k, v := range valid {
			m[k] = v
		}
		for k, v := range changes {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		name    string
		changes map[string]any
		caller  string
		code    string
	}{
		{"accepted", with(map[string]any{"Version": "1.3.0"}), "CN", ""},
		{"invalidation 1 hour ahead", with(map[string]any{"Identifier": "IR-CN-0001", "Type": "Invalidation", "CertificateType": "General", "ValidFrom": ahead(time.Hour)}), "CN", ""},
		{"not a rule", with(map[string]any{"Type": "Other"}), "CN", CodeInvalid},
		{"logic invalid", with(map[string]any{"Version": "1.3.0", "Logic": map[string]any{"no-such-op": []any{1}}}), "CN", CodeLogic},
		{"prefix vs certificate type", with(map[string]any{"Identifier": "TR-CN-0001", "Version": "1.3.0"}), "CN", CodeIdentifierType},
		{"IR for acceptance", with(map[string]any{"Identifier": "IR-CN-0001", "CertificateType": "General"}), "CN", CodeIdentifierType},
		{"invalidation without IR", with(map[string]any{"Identifier": "GR-CN-0001", "Type": "Invalidation", "CertificateType": "General"}), "CN", CodeIdentifierType},
		{"country not the caller", with(map[string]any{"Identifier": "VR-FR-0001", "Country": "FR"}), "CN", CodeCountry},
		{"identifier country", with(map[string]any{"Identifier": "VR-FR-0001"}), "CN", CodeIdentifierCountry},
		{"version equal", with(map[string]any{"Version": "1.2.0"}), "CN", CodeVersion},
		{"version lower", with(map[string]any{"Version": "1.1.9"}), "CN", CodeVersion},
		{"ValidFrom after ValidTo", with(map[string]any{"Version": "1.3.0", "ValidTo": ahead(71 * time.Hour)}), "CN", CodeValidity},
		{"ValidFrom in the past", with(map[string]any{"Version": "1.3.0", "Identifier": "IR-CN-0001", "Type": "Invalidation", "CertificateType": "General", "ValidFrom": ahead(-time.Minute)}), "CN", CodeValidFromPast},
		{"ValidFrom over two weeks ahead", with(map[string]any{"Version": "1.3.0", "ValidFrom": ahead(14*24*time.Hour + time.Second)}), "CN", CodeValidFromTooFar},
		{"acceptance under 48 hours ahead", with(map[string]any{"Version": "1.3.0", "ValidFrom": ahead(47 * time.Hour)}), "CN", CodeAcceptanceTooSoon},
		{"before the previous version", with(map[string]any{"Version": "1.3.0", "ValidFrom": ahead(50 * time.Hour), "Identifier": "VR-CN-0001"}), "CN", CodeValidFromPrevious},
		{"region on invalidation", with(map[string]any{"Identifier": "IR-CN-0001", "Type": "Invalidation", "CertificateType": "General", "Region": "SH"}), "CN", CodeRegion},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := CheckUpload(ruleJSON(t, tc.changes), tc.caller, stored, now)
			if tc.code == "" {
				if err != nil || r == nil {
					t.Fatalf("CheckUpload() = %v", err)
				}
				return
			}
			var ue *UploadError
			if !errors.As(err, &ue) || ue.Code != tc.code {
				t.Fatalf("CheckUpload() = %v, want code %s", err, tc.code)
			}
			if r != nil {
				t.Errorf("CheckUpload() returned a rule with an error")
			}
		})
	}
	// A new version may not start before the stored newest one.
	later := []*Rule{mustRule(t, map[string]any{"Version": "1.2.0", "ValidFrom": ahead(100 * time.Hour)})}
	_, err := CheckUpload(ruleJSON(t, with(map[string]any{"Version": "1.3.0"})), "CN", later, now)
	var ue *UploadError
	if !errors.As(err, &ue) || ue.Code != CodeValidFromPrevious {
		t.Errorf("CheckUpload() before the previous version = %v, want %s", err, CodeValidFromPrevious)
	}
}
