package sdk

import (
	"iter"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

// ColumnError reports a row column that is missing or of the wrong type,
// naming the row and the column.
type ColumnError = row.ColumnError

// DecodeRows decodes rows into structs of type T, matching columns to
// fields by their json tags (or names), strictly: a string field takes a
// string or null (as ""), a number field a number (an integer field a
// whole one), a time.Time field an ISO-8601 string, a pointer field also
// null (as nil), and a field tagged "-" nothing. A column the struct asks
// for that the row lacks, or one of the wrong type, is a *ColumnError
// naming the row and the column. Columns without a field are ignored.
func DecodeRows[T any](rows []Row) ([]T, error) { return row.Decode[T](rows) }

// Each yields the rows decoded into T one at a time, as DecodeRows does,
// stopping after the first error.
func Each[T any](rows []Row) iter.Seq2[T, error] { return row.Each[T](rows) }
