package sdk

import "time"

// planner hands out the rest of an export's range as pieces, in the
// order their pages are wanted. Each piece aims at 4/5 of what one
// response holds, judged by the density of the pages so far, so that
// most come back whole in one request; one that does not is cut inside
// its last bucket and goes on from there, which costs that bucket's
// rows again and nothing more. Pieces end on the calendar's boundaries;
// without a calendar that agrees with the server's keys, the rest is one
// piece, fetched one response after another.
type planner struct {
	cal      *calendar
	desc     bool
	parallel bool
	rest     TimeRange     // not handed out yet
	target   float64       // rows a piece aims at
	rows     float64       // rows of the pages seen so far, over the time
	span     time.Duration // they cover: the density
}

func newPlanner(e *export, first *Page, rest TimeRange, capRows int) *planner {
	p := &planner{cal: e.cal, desc: e.desc, parallel: e.parallel, rest: rest, target: max(1, float64(capRows)*4/5)}
	p.observe(first)
	return p
}

// done reports whether every piece has been handed out.
func (p *planner) done() bool { return !p.rest.Start.Before(p.rest.End) }

// observe adds a page to the density.
func (p *planner) observe(page *Page) {
	p.rows += float64(len(page.Rows))
	p.span += page.TimeRange.End.Sub(page.TimeRange.Start)
}

// next hands out the next piece; false when none is left.
func (p *planner) next() (TimeRange, bool) {
	if p.done() {
		return TimeRange{}, false
	}
	whole := p.rest
	left := whole.End.Sub(whole.Start)
	if !p.parallel || p.rows == 0 || p.span <= 0 {
		p.rest = TimeRange{}
		return whole, true
	}
	d := left
	if want := float64(p.span) * p.target / p.rows; want < float64(left) {
		d = time.Duration(want)
	}
	if p.desc {
		cut, _ := p.cal.Floor(whole.End.Add(-d))
		if !cut.Before(whole.End) {
			cut, _ = p.cal.Floor(whole.End.Add(-1))
		}
		if !cut.After(whole.Start) {
			p.rest = TimeRange{}
			return whole, true
		}
		p.rest.End = cut
		return TimeRange{Start: cut, End: whole.End}, true
	}
	cut, _ := p.cal.Floor(whole.Start.Add(d))
	if !cut.After(whole.Start) {
		b, _ := p.cal.Floor(whole.Start)
		cut, _ = p.cal.Next(b)
	}
	if !cut.Before(whole.End) {
		p.rest = TimeRange{}
		return whole, true
	}
	p.rest.Start = cut
	return TimeRange{Start: whole.Start, End: cut}, true
}
