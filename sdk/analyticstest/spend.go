package analyticstest

// spend is one generation's spend in micro-dollars, split as the
// service splits it. upstream + cache + data + web + file + webFetch is
// total exactly; so is openrouter + byokUsage + byokFees.
type spend struct {
	total                                      int64
	upstream, cache, data, web, file, webFetch int64
	openrouter, byokUsage, byokFees            int64
	byok, guardrail, responseCached            bool
}

// spendOf derives generation i's split from the columns it already has,
// not from its index, so that a late-arriving generation merged into the
// data keeps its split.
func (d *dataset) spendOf(i int) spend {
	c := int64(d.costMicros[i])
	h := d.rowHash(i)
	s := spend{total: c, byok: h%10 == 0, guardrail: h%199 == 7, responseCached: h%47 == 3}
	if c%97 == 0 {
		s.web = min(4000, c)
	}
	if h%53 == 11 {
		s.file = c / 8
	}
	if h%71 == 5 {
		s.webFetch = min(1000, c/10)
	}
	if d.cachedTokens[i] > 0 {
		s.cache = c / 20
	}
	if h%19 == 2 {
		s.data = -(c / 100) // a discount
	}
	s.upstream = c - s.web - s.file - s.webFetch - s.cache - s.data
	if s.byok {
		s.byokFees = c * 5 / 100
		s.byokUsage = c - s.byokFees
	} else {
		s.openrouter = c
	}
	return s
}
