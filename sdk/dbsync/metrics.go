package dbsync

import (
	"errors"
	"math/big"
	"strconv"
	"strings"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

// metricKind is what a metric's values are, which decides its column's
// type: counts are whole numbers, money is exact, the rest floating point.
type metricKind int

const (
	metricNumber metricKind = iota // a rate, a latency, a throughput
	metricCount                    // request_count, the tokens: summed whole numbers
	metricMoney                    // a currency metric
)

// kindOf classifies a metric by its catalog entry: currency is money; a
// number that is summed (not a rate) is a count.
func kindOf(info sdk.MetricInfo) metricKind {
	switch {
	case info.DisplayFormat == sdk.FormatCurrency:
		return metricMoney
	case info.DisplayFormat == sdk.FormatNumber && !info.IsRate:
		return metricCount
	}
	return metricNumber
}

// nanosPerUSD is the unit SQLite stores money in: 10^9 nano-USD a dollar.
const nanosPerUSD = 1_000_000_000

var errMoneyRange = errors.New("past the ±$9.2 billion a 64-bit count of nano-USD holds")

// moneyText is a currency metric's value as decimal text: the digits the
// service sent (a numeric string, or a JSON number at its shortest).
func moneyText(r row.Row, col string) (string, error) {
	f, err := r.Float(col)
	if err != nil {
		return "", err
	}
	if v, _ := r.Get(col); v != nil {
		if s, ok := v.(string); ok {
			return s, nil // checked numeric by Float
		}
	}
	return strconv.FormatFloat(f, 'f', -1, 64), nil
}

// toNanos is decimal text as a whole number of nano-USD, and whether it
// was exact: digits past the ninth decimal are rounded half away from
// zero, and reported.
func toNanos(s string) (n int64, exact bool, err error) {
	if !strings.ContainsAny(s, "eE") {
		neg := strings.HasPrefix(s, "-")
		whole, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
		exact = len(strings.TrimRight(frac[min(9, len(frac)):], "0")) == 0
		roundUp := len(frac) > 9 && frac[9] >= '5'
		frac = (frac + "000000000")[:9]
		n, err = strconv.ParseInt(whole+frac, 10, 64)
		if err != nil {
			return 0, false, errMoneyRange
		}
		if roundUp {
			if n == 1<<63-1 {
				return 0, false, errMoneyRange
			}
			n++
		}
		if neg {
			n = -n
		}
		return n, exact, nil
	}
	// An exponent: rare enough to take the long way.
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, false, strconv.ErrSyntax
	}
	r.Mul(r, big.NewRat(nanosPerUSD, 1))
	q := new(big.Int).Quo(r.Num(), r.Denom())
	exact = r.IsInt()
	if !exact {
		// Round half away from zero, as the plain path does.
		twice := new(big.Rat).Sub(r, new(big.Rat).SetInt(q))
		twice.Mul(twice, big.NewRat(2, 1))
		if twice.Cmp(big.NewRat(1, 1)) >= 0 {
			q.Add(q, big.NewInt(1))
		} else if twice.Cmp(big.NewRat(-1, 1)) <= 0 {
			q.Sub(q, big.NewInt(1))
		}
	}
	if !q.IsInt64() {
		return 0, false, errMoneyRange
	}
	return q.Int64(), exact, nil
}
