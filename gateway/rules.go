package gateway

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/ithc/ithc/gateway/store"
	"github.com/ithc/ithc/rules"
)

// Acceptance and invalidation rules (docs/rules.md). A country uploads a
// rule (the gateway rule format, JSON) as CMS SignedData signed by its
// upload certificate; the gateway applies the EU constraints
// (rules.CheckUpload, each refusal with its own code) and stores every
// version as its own entry of kind "rule", ID "Identifier/Version", Type
// the rule's Type, Data the rule exactly as signed and Signature the CMS,
// so that a verifier can check the country's signature and apply a new
// version only from its ValidFrom. Deleting names an Identifier (the CMS
// content is the Identifier as text) and turns every live version of it
// into a tombstone.
//
//	GET    /v1/rules[?country=CC][&since=N]  signed list of rules
//	POST   /v1/rules                         upload a rule (CMS, mutual TLS)
//	DELETE /v1/rules                         delete a rule (CMS of its Identifier); also POST /v1/rules/delete

// RulesPath is the rules list route, relative to the gateway's (or a
// static export's) base URL.
const RulesPath = "/v1/rules"

// ruleRoutes registers the rules endpoints.
func (g *Gateway) ruleRoutes(route routeFunc) {
	route("GET "+RulesPath, "rules", g.listHandler([]string{store.KindRule}, false))
	route("POST "+RulesPath, "rule_upload", g.writeHandler(g.UploadRule, http.StatusCreated))
	route("DELETE "+RulesPath, "rule_delete", g.writeHandler(g.DeleteRule, http.StatusOK))
	route("POST "+RulesPath+"/delete", "rule_delete", g.writeHandler(g.DeleteRule, http.StatusOK))
}

// storedRules returns every version of caller's rule id ever stored,
// tombstones included (versions must rise above deleted ones too).
func (g *Gateway) storedRules(ctx context.Context, country, id string) ([]*rules.Rule, []*store.Entry, error) {
	entries, _, err := g.store.List(ctx, store.Filter{Kinds: []string{store.KindRule}, Country: country, Deleted: true})
	if err != nil {
		return nil, nil, err
	}
	var rs []*rules.Rule
	var es []*store.Entry
	for _, e := range entries {
		if !strings.HasPrefix(e.ID, id+"/") {
			continue
		}
		es = append(es, e)
		if r, err := rules.ParseRule(e.Data); err == nil {
			rs = append(rs, r)
		}
	}
	return rs, es, nil
}

// ruleIdentifier is the form of a rule identifier a delete names.
var ruleIdentifier = regexp.MustCompile(`^(GR|VR|TR|RR|IR)-[A-Z]{2}-[0-9]{1,12}$`)

// UploadRule stores a new version of a rule sent as CMS by caller.
func (g *Gateway) UploadRule(ctx context.Context, caller *Caller, body []byte) (*store.Entry, error) {
	content, err := g.openUpload(ctx, caller, body)
	if err != nil {
		return nil, err
	}
	// The versions stored of the rule's Identifier, when it parses
	// (CheckUpload reports why it does not).
	var stored []*rules.Rule
	if first, perr := rules.ParseRule(content); perr == nil {
		if stored, _, err = g.storedRules(ctx, caller.Country, first.Identifier); err != nil {
			return nil, err
		}
	}
	r, err := rules.CheckUpload(content, caller.Country, stored, g.now())
	if err != nil {
		var ue *rules.UploadError
		if errors.As(err, &ue) {
			status := http.StatusBadRequest
			if ue.Code == rules.CodeCountry || ue.Code == rules.CodeIdentifierCountry {
				status = http.StatusForbidden
			}
			return nil, refuse(status, ue.Code, "%s", ue.Reason)
		}
		return nil, err
	}
	id := rules.EntryID(r)
	e := &store.Entry{Kind: store.KindRule, ID: id, Country: caller.Country, Type: r.Type, Thumbprint: thumb(content), Data: content, Signature: body}
	a := &store.AuditRecord{Time: g.now(), Country: caller.Country, Caller: caller.Fingerprint, Action: "rule.upload", Kind: store.KindRule, ID: id, Request: body}
	if err := g.store.Insert(ctx, e, a); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, refuse(409, rules.CodeVersion, "rule %s exists or existed (a version is never reused)", id)
		}
		if errors.Is(err, store.ErrInvalid) {
			return nil, refuse(400, "invalid", "%v", err)
		}
		return nil, err
	}
	g.metrics.writes.WithLabelValues("rule.upload").Inc()
	g.log.Info("rule uploaded", "country", caller.Country, "rule", id, "valid_from", r.ValidFrom, "seq", e.Seq)
	return e, nil
}

// DeleteRule turns every live version of caller's rule named in the CMS
// body (its Identifier as text) into a tombstone and returns the last.
func (g *Gateway) DeleteRule(ctx context.Context, caller *Caller, body []byte) (*store.Entry, error) {
	content, err := g.openUpload(ctx, caller, body)
	if err != nil {
		return nil, err
	}
	id := strings.TrimSpace(string(content))
	parts := strings.Split(id, "-")
	if len(id) > 32 || len(parts) != 3 || !ruleIdentifier.MatchString(id) {
		return nil, refuse(400, rules.CodeInvalid, "the CMS content %q is not a rule identifier (such as VR-CN-0001)", truncate(id, 40))
	}
	if parts[1] != caller.Country {
		return nil, refuse(403, rules.CodeIdentifierCountry, "rule %s belongs to %s; %s cannot delete it", id, parts[1], caller.Country)
	}
	_, entries, err := g.storedRules(ctx, caller.Country, id)
	if err != nil {
		return nil, err
	}
	var last *store.Entry
	for _, e := range entries {
		if e.Deleted {
			continue
		}
		a := &store.AuditRecord{Time: g.now(), Country: caller.Country, Caller: caller.Fingerprint, Action: "rule.delete", Kind: store.KindRule, ID: e.ID, Request: body}
		d, err := g.store.Delete(ctx, store.KindRule, e.ID, body, a)
		if err != nil && !errors.Is(err, store.ErrDeleted) {
			return nil, err
		}
		if err == nil {
			last = d
		}
	}
	if last == nil {
		return nil, refuse(404, "not_found", "%s has no live rule %s", caller.Country, id)
	}
	g.metrics.writes.WithLabelValues("rule.delete").Inc()
	g.log.Info("rule deleted", "country", caller.Country, "rule", id, "seq", last.Seq)
	return last, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// exportRules writes the rules files of a static export:
//
//	dir/v1/rules                all countries' rules
//	dir/v1/country/CC/rules     one country's rules
func (g *Gateway) exportRules(ctx context.Context, write exportWriter) error {
	data, _, err := g.SignedList(ctx, ListQuery{Kinds: []string{store.KindRule}})
	if err != nil {
		return err
	}
	if err := write(strings.TrimPrefix(RulesPath, "/"), data); err != nil {
		return err
	}
	countries, _, err := g.store.List(ctx, store.Filter{Kinds: []string{store.KindCountry}})
	if err != nil {
		return err
	}
	for _, c := range countries {
		data, _, err := g.SignedList(ctx, ListQuery{Kinds: []string{store.KindRule}, Country: c.ID})
		if err != nil {
			return err
		}
		if err := write("v1/country/"+c.ID+"/rules", data); err != nil {
			return err
		}
	}
	return nil
}
