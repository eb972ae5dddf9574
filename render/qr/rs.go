package qr

// Reed-Solomon error correction over GF(2⁸) with the QR code's field
// polynomial x⁸+x⁴+x³+x²+1 (0x11D) and generator polynomials whose roots
// are α⁰ … α^(n−1), α = 2 (ISO/IEC 18004:2015, 7.5.2).

// gfExp[i] is αⁱ (doubled so that gfExp[log a + log b] needs no modulo);
// gfLog[a] is the discrete logarithm of a ≠ 0.
var gfExp, gfLog = func() (exp [510]byte, log [256]byte) {
	x := 1
	for i := 0; i < 255; i++ {
		exp[i] = byte(x)
		exp[i+255] = byte(x)
		log[x] = byte(i)
		x <<= 1
		if x&0x100 != 0 {
			x ^= 0x11D
		}
	}
	return exp, log
}()

func gfMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return gfExp[int(gfLog[a])+int(gfLog[b])]
}

// generators caches the generator polynomial of each degree QR codes use
// (7 to 30), highest coefficient first, the leading 1 left out.
var generators = func() (g [31][]byte) {
	for n := 7; n <= 30; n++ {
		g[n] = generator(n)
	}
	return g
}()

// generator returns the coefficients of ∏(x − αⁱ), i = 0 … n−1, without
// the leading 1: poly[0] is the coefficient of x^(n−1).
func generator(n int) []byte {
	// p holds the product so far, leading 1 included, highest first.
	p := make([]byte, 1, n+1)
	p[0] = 1
	for i := 0; i < n; i++ {
		root := gfExp[i]
		p = append(p, 0)
		// Multiply by (x + root): each coefficient gains root × the one
		// before it (subtraction is addition in GF(2⁸)).
		for j := len(p) - 1; j > 0; j-- {
			p[j] ^= gfMul(p[j-1], root)
		}
	}
	return p[1:]
}

// ecCodewords returns the n error correction codewords of data: the
// remainder of data(x)·xⁿ divided by the generator polynomial of degree n.
func ecCodewords(data []byte, n int, out []byte) []byte {
	gen := generators[n]
	if gen == nil {
		gen = generator(n)
	}
	rem := out[:n]
	clear(rem)
	for _, d := range data {
		factor := d ^ rem[0]
		copy(rem, rem[1:])
		rem[n-1] = 0
		if factor == 0 {
			continue
		}
		lf := int(gfLog[factor])
		for i, g := range gen {
			if g != 0 {
				rem[i] ^= gfExp[lf+int(gfLog[g])]
			}
		}
	}
	return rem
}
