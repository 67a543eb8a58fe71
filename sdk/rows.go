package sdk

import (
	"iter"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

// ColumnError reports a row column that is missing or of the wrong type,
// naming the row and the column.
type ColumnError = row.ColumnError

// DecodeRows decodes rows into structs of type T, matching columns to
// fields as encoding/json does (json tags, then names without regard to
// case, embedded structs, "-"), strictly; see row.Decode for the types a
// field may have (strings, bools, numbers, json.Number, time.Duration in
// milliseconds, time.Time buckets, pointers for null). A column the
// struct asks for that the row lacks, or one of the wrong type, is a
// *ColumnError naming the row and the column.
func DecodeRows[T any](rows []Row) ([]T, error) { return row.Decode[T](rows) }

// Each yields the rows decoded into T one at a time, as DecodeRows does,
// stopping after the first error.
func Each[T any](rows []Row) iter.Seq2[T, error] { return row.Each[T](rows) }
