package html

import (
	stdhtml "html"
	"strings"
	"testing"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/render/qr/qrtest"
)

// FuzzRender writes pages whose texts come from the fuzzer: a page or an
// error, and a page shows every text escaped: its markup is the page's own
// (one script, one svg, no element from a text), and unescaped it holds the
// text as given.
func FuzzRender(f *testing.F) {
	for _, n := range qrtest.Names {
		f.Add(n.Family, n.Given, "HC1:ABC")
	}
	f.Add(`<script>alert(1)</script>`, `"><img src=x>`, "shc:/0123")
	f.Add("</style>", "a\x00", "HC1:\x7f")
	f.Fuzz(func(t *testing.T, family, given, code string) {
		c := qrtest.Certificate(healthcert.Name{Family: family, Given: given, FamilyICAO: "X"}, healthcert.TypeRecovery)
		page, err := Bytes(c, code, Options{})
		if err != nil {
			if page != nil {
				t.Fatal("a page with an error")
			}
			return
		}
		s := string(page)
		if strings.Count(s, "<script") != 1 || strings.Count(s, "<svg") != 1 || strings.Count(s, "<style") != 1 || strings.Contains(s, "<img") {
			t.Fatal("markup from a text reached the page")
		}
		if u := stdhtml.UnescapeString(s); !strings.Contains(u, family) || !strings.Contains(u, code) {
			t.Fatalf("the page does not show %q and %q", family, code)
		}
	})
}
