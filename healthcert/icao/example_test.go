package icao_test

import (
	"errors"
	"fmt"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/healthcert/icao"
)

func ExampleTransliterate() {
	for _, s := range []string{"Musterfrau-Gößinger", "Rogaliński-Król", "Щукин", "Παύλος", "小明", "吕", "김민수"} {
		mrz, err := icao.Transliterate(s)
		if errors.Is(err, icao.ErrNeedsTransliteration) {
			fmt.Println(s, "→ issuer must supply the ICAO form")
			continue
		}
		fmt.Println(s, "→", mrz)
	}
	// Output:
	// Musterfrau-Gößinger → MUSTERFRAU<GOESSINGER
	// Rogaliński-Król → ROGALINSKI<KROL
	// Щукин → SHCHUKIN
	// Παύλος → PAVLOS
	// 小明 → XIAOMING
	// 吕 → LYU
	// 김민수 → issuer must supply the ICAO form
}

func ExampleTransliterateFamily() {
	for _, s := range []string{"单", "曾", "尉迟"} {
		family, _ := icao.TransliterateFamily(s)
		given, _ := icao.Transliterate(s)
		fmt.Println(s, family, given)
	}
	// Output:
	// 单 SHAN DAN
	// 曾 ZENG CENG
	// 尉迟 YUCHI WEICHI
}

func ExampleFill() {
	n := healthcert.Name{Family: "欧阳", Given: "娜娜"}
	if err := icao.Fill(&n); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(n.MRZ())
	// Output: OUYANG<<NANA
}
